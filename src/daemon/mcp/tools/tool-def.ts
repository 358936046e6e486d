import type { z } from 'zod';
import type { ApplianceApi, Caller } from '../appliance-api.js';

/**
 * One MCP tool as this server defines it: strict zod input (an unknown argument is a
 * mistake worth reporting), an output schema that every success result is checked against,
 * and the MCP annotations derived from what the tool does rather than typed per tool.
 */

export interface ToolContext {
  api: ApplianceApi;
  caller: Caller;
  /** Wall-clock ns since the epoch. */
  nowNs: () => bigint;
}

export interface ToolOutput {
  structured: Record<string, unknown>;
  text: string;
  /** A completed call whose outcome is a failure (e.g. a rolled-back apply): isError, with the data. */
  failed?: boolean;
}

/** A tool's failure that is the caller's to fix (bad zone, unknown specifier): isError with this text. */
export class ToolFailure extends Error {
  override name = 'ToolFailure';
}

export interface ToolDef {
  name: string;
  title: string;
  description: string;
  input: z.ZodObject;
  output: z.ZodObject;
  /** read: anyone; admin: refused for the `read` role and audited by the daemon. */
  access: 'read' | 'admin';
  /** Changes the appliance (admin tools that write files, restart or set a clock). */
  destructive: boolean;
  /** Calling twice has the same effect as once. */
  idempotent: boolean;
  /**
   * Called at high rates (get_time and friends): the result is not re-checked against the output
   * schema on every call; unit tests check it (test/unit/daemon/mcp/tools/hot-tools.test.ts).
   */
  hot?: boolean;
  run(args: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutput>;
}

/** Keeps the input type for the body while the registry holds erased ToolDefs. */
export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(def: {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  access?: 'read' | 'admin';
  destructive?: boolean;
  idempotent?: boolean;
  hot?: boolean;
  run(args: z.infer<I>, ctx: ToolContext): Promise<{ structured: z.infer<O>; text: string; failed?: boolean }>;
}): ToolDef {
  return {
    name: def.name,
    title: def.title,
    description: def.description,
    input: def.input,
    output: def.output,
    access: def.access ?? 'read',
    destructive: def.destructive ?? false,
    idempotent: def.idempotent ?? true,
    hot: def.hot ?? false,
    run: (args, ctx) => def.run(args as z.infer<I>, ctx) as Promise<ToolOutput>,
  };
}

export function annotationsOf(t: ToolDef): { title: string; readOnlyHint: boolean; destructiveHint: boolean; idempotentHint: boolean; openWorldHint: boolean } {
  return {
    title: t.title,
    readOnlyHint: !t.destructive,
    destructiveHint: t.destructive,
    idempotentHint: t.idempotent,
    // Everything acts on this appliance alone: no tool reaches an open world.
    openWorldHint: false,
  };
}
