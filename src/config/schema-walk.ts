import type { z } from 'zod';
import { configSchema } from './schema.js';

/** One documented leaf or section of the schema, for the reference docs and env overrides. */
export interface SchemaNode {
  path: string[];
  kind: 'section' | 'boolean' | 'number' | 'string' | 'enum' | 'list';
  description: string;
  defaultValue: unknown; // undefined: none
  options?: readonly string[];
  children?: SchemaNode[];
}

type AnySchema = z.ZodType & { def: Record<string, unknown> & { type: string }; description?: string };

/** Peels default/prefault/optional wrappers, collecting the default and the description. */
function unwrap(schema: AnySchema): { inner: AnySchema; defaultValue: unknown; description: string } {
  let s = schema;
  let defaultValue: unknown;
  let description = s.description ?? '';
  for (;;) {
    const def = s.def;
    if (def.type === 'default' || def.type === 'prefault') {
      if (defaultValue === undefined) defaultValue = def.defaultValue;
    } else if (def.type !== 'optional' && def.type !== 'nullable') {
      break;
    }
    s = def.innerType as AnySchema;
    description ||= s.description ?? '';
  }
  return { inner: s, defaultValue, description };
}

function walk(schema: AnySchema, path: string[]): SchemaNode {
  const { inner, defaultValue, description } = unwrap(schema);
  const t = inner.def.type;
  if (t === 'object') {
    const shape = (inner as unknown as z.ZodObject).shape as Record<string, AnySchema>;
    return {
      path,
      kind: 'section',
      description,
      defaultValue: undefined,
      children: Object.entries(shape).map(([k, v]) => walk(v, [...path, k])),
    };
  }
  if (t === 'enum') {
    const options = (inner as unknown as z.ZodEnum).options as string[];
    return { path, kind: 'enum', description, defaultValue, options };
  }
  if (t === 'boolean' || t === 'number' || t === 'string') return { path, kind: t, description, defaultValue };
  if (t === 'array') return { path, kind: 'list', description, defaultValue };
  throw new Error(`schema-walk: unsupported schema type ${t} at ${path.join('.')}`);
}

export const schemaTree: SchemaNode = walk(configSchema as unknown as AnySchema, []);

export function findNode(path: string[]): SchemaNode | undefined {
  let node: SchemaNode | undefined = schemaTree;
  for (const key of path) node = node?.children?.find((c) => c.path[c.path.length - 1] === key);
  return node;
}

export function allowedKeysAt(path: string[]): string[] {
  return (findNode(path)?.children ?? []).map((c) => c.path[c.path.length - 1]!);
}
