import { parse as parseYamlScalar } from 'yaml';
import { findNode, type SchemaNode } from './schema-walk.js';

export const ENV_PREFIX = 'STRATUM1D_';

/**
 * `STRATUM1D_GNSS__DEVICE=/dev/ttyUSB0` sets gnss.device: `__` separates sections, and a
 * segment matches a key case-insensitively with `_` ignored (`BAUD_RATE` → baudRate), since
 * environment names are upper-case by convention. An override naming no key is an error like
 * an unknown key in the file. Values are read as YAML scalars so numbers and booleans work.
 */
export function applyEnvOverrides(
  raw: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): { value: Record<string, unknown>; used: string[]; problems: string[] } {
  const value = structuredClone(raw);
  const used: string[] = [];
  const problems: string[] = [];
  for (const [name, text] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || text === undefined) continue;
    const segments = name.slice(ENV_PREFIX.length).split('__');
    const path = resolvePath(segments);
    if (path === null) {
      problems.push(`${name}: names no configuration key (form: ${ENV_PREFIX}SECTION__KEY, e.g. ${ENV_PREFIX}GNSS__DEVICE)`);
      continue;
    }
    let parsed: unknown;
    try {
      parsed = parseYamlScalar(text);
    } catch {
      parsed = text;
    }
    // A device path like "0123" must stay a string where the schema wants one.
    if (findNode(path)?.kind === 'string') parsed = text;
    setPath(value, path, parsed, name, problems);
    used.push(name);
  }
  return { value, used, problems };
}

const norm = (s: string): string => s.replace(/_/g, '').toLowerCase();

function resolvePath(segments: string[]): string[] | null {
  const path: string[] = [];
  let node: SchemaNode | undefined = findNode([]);
  for (const seg of segments) {
    const child: SchemaNode | undefined = node?.children?.find((c) => norm(c.path[c.path.length - 1]!) === norm(seg));
    if (!child) return null;
    path.push(child.path[child.path.length - 1]!);
    node = child;
  }
  return node?.kind === 'section' ? null : path;
}

function setPath(obj: Record<string, unknown>, path: string[], v: unknown, name: string, problems: string[]): void {
  let cur = obj;
  for (const key of path.slice(0, -1)) {
    const next = cur[key];
    if (next === undefined || next === null) cur[key] = {};
    else if (typeof next !== 'object' || Array.isArray(next)) {
      problems.push(`${name}: ${path.join('.')} cannot be set: ${key} in the file is not a section`);
      return;
    }
    cur = cur[key] as Record<string, unknown>;
  }
  cur[path[path.length - 1]!] = v;
}
