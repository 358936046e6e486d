import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import { DaemonDown, SubsystemMissing } from '../appliance-api.js';
import { type ToolContext, type ToolDef, ToolFailure } from '../tools/tool-def.js';

/**
 * tools/call, done our way. The SDK's McpServer (1.32) turns argument validation failures and
 * unknown tools into `isError` results (following SEP-1303); this server answers both with a
 * JSON-RPC -32602 (Invalid params) error naming the offending field, as the issue asks, so
 * clients and tests can tell a malformed call from a tool that ran and failed. Everything
 * after validation is a tool result: failures are `isError` with a fix, never a crash.
 */

export function invalidParams(tool: ToolDef, error: z.ZodError): McpError {
  const issues = error.issues.map((i) => ({ field: i.path.length ? i.path.join('.') : '(arguments)', message: i.message, code: i.code }));
  const text = issues.map((i) => `${i.field}: ${i.message}`).join('; ');
  return new McpError(ErrorCode.InvalidParams, `invalid arguments for ${tool.name}: ${text}`, { tool: tool.name, issues });
}

export function unknownTool(name: string): McpError {
  return new McpError(ErrorCode.InvalidParams, `unknown tool "${name}": tools/list names the tools this server has`, { tool: name });
}

/**
 * Tool calls served by this process, for /metrics: `invalid` (unknown tool or bad arguments,
 * answered -32602), `error` (an `isError` result: refused, failed, internal error) and `ok`.
 * Per process: the daemon counts its network sessions; a `stratum1d mcp` bridge counts its own.
 */
export const toolCallCounts = { ok: 0, error: 0, invalid: 0 };

/** Validates, checks the role, runs; throws McpError only for protocol-level mistakes. */
export async function callTool(tools: ReadonlyMap<string, ToolDef>, name: string, rawArgs: unknown, ctx: ToolContext): Promise<CallToolResult> {
  let result: CallToolResult;
  try {
    result = await callToolUncounted(tools, name, rawArgs, ctx);
  } catch (err) {
    toolCallCounts.invalid++;
    throw err;
  }
  if (result.isError) toolCallCounts.error++;
  else toolCallCounts.ok++;
  return result;
}

async function callToolUncounted(tools: ReadonlyMap<string, ToolDef>, name: string, rawArgs: unknown, ctx: ToolContext): Promise<CallToolResult> {
  const tool = tools.get(name);
  if (!tool) throw unknownTool(name);
  let args: Record<string, unknown>;
  if (takesNothing(tool) && isEmpty(rawArgs)) {
    // The answer zod would give for a tool without arguments called without any.
    args = {};
  } else {
    const parsed = tool.input.safeParse(rawArgs ?? {});
    if (!parsed.success) throw invalidParams(tool, parsed.error);
    args = parsed.data as Record<string, unknown>;
  }
  if (tool.access === 'admin' && ctx.caller.role !== 'admin') {
    const reason = `${tool.name} requires the admin role; caller ${ctx.caller.id} has the ${ctx.caller.role} role`;
    try {
      await ctx.api.recordRefusal?.(ctx.caller, tool.name, args, reason);
    } catch {
      // The refusal stands whether or not it could be logged (daemon down on stdio).
    }
    return errorResult(reason);
  }
  try {
    const out = await tool.run(args, ctx);
    // Hot tools' outputs are checked against their schemas in the unit tests, not per call.
    const checked = tool.hot ? null : tool.output.safeParse(out.structured);
    if (checked && !checked.success) {
      // Our bug, not the caller's: say so rather than send data that breaks the declared schema.
      return errorResult(`internal error in ${tool.name}: its result does not match its output schema (${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`);
    }
    const result: CallToolResult = { content: [{ type: 'text', text: out.text }], structuredContent: out.structured };
    if (out.failed) result.isError = true;
    return result;
  } catch (err) {
    return errorResult(describeFailure(tool.name, err));
  }
}

const noInput = new WeakMap<ToolDef, boolean>();

function takesNothing(tool: ToolDef): boolean {
  let v = noInput.get(tool);
  if (v === undefined) noInput.set(tool, (v = Object.keys(tool.input.shape).length === 0));
  return v;
}

function isEmpty(args: unknown): boolean {
  if (args === undefined || args === null) return true; // callTool parses `rawArgs ?? {}`
  if (typeof args !== 'object' || Array.isArray(args)) return false;
  for (const _ in args) return false;
  return Object.getPrototypeOf(args) === Object.prototype;
}

export function describeFailure(tool: string, err: unknown): string {
  if (err instanceof SubsystemMissing) return `${err.message}. Missing: ${err.subsystem}. To fix: ${err.fix}.`;
  if (err instanceof DaemonDown) {
    return `the stratum1d daemon is not running or not reachable${err.message ? ` (${err.message})` : ''}. To fix: start it (\`sudo systemctl start stratum1d\`) and check \`journalctl -u stratum1d\`; the time tools still answer from the local clock.`;
  }
  if (err instanceof ToolFailure) return err.message;
  if (err instanceof McpError) return err.message;
  return `internal error in ${tool}: ${err instanceof Error ? err.message : String(err)}`;
}

function errorResult(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}
