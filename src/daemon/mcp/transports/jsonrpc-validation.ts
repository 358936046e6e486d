import { ClientRequestSchema, ErrorCode, JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/**
 * What our MCP transports (stdio bridge, WebSocket) do with one incoming message before the
 * SDK sees it. The SDK drops anything its schemas refuse without a word (the client waits
 * forever) and turns a params mismatch into -32603 with a zod dump, so every message is
 * classified here and refused with a JSON-RPC error a client can match:
 *
 * - not JSON → -32700, id null (JSON-RPC 2.0 §5.1);
 * - JSON but not a valid request/notification (wrong `jsonrpc`, an id that is not a string or an
 *   integer — MCP's RequestId —, a missing or non-string `method`, `params` that is not an object,
 *   members JSON-RPC does not define) → -32600, echoing the id when it is a string or a safe
 *   integer, null otherwise (an id we cannot trust cannot be matched by an MCP client);
 * - a batch (removed from MCP in 2025-06-18; the SDK never accepted them) → one -32600 per
 *   distinct usable id in it, or a single one with id null when it has none;
 * - a request to a method in `PARAMS_CHECKED` whose params fail MCP's schema → -32602 with a
 *   short message naming the field;
 * - a response (result/error and no method) is passed on when valid and otherwise dropped, never
 *   answered: a reply would land in the client's own id space;
 * - a blank line is ignored (not a message; CRLF and trailing newlines produce them).
 */

export const REJECT_REASONS = [
  'too_large',
  'parse_error',
  'not_object',
  'batch',
  'bad_jsonrpc',
  'bad_id',
  'bad_method',
  'bad_params',
  'unknown_member',
  'invalid_message',
  'invalid_params',
  'bad_response',
  'binary_frame',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export type JsonRpcId = string | number;

export type Verdict =
  | { kind: 'message'; message: JSONRPCMessage }
  | { kind: 'ignored' }
  | { kind: 'rejected'; reason: RejectReason; detail: string; replies: JSONRPCMessage[] };

/** The id to answer with: strings and safe integers (MCP's RequestId); anything else is null. */
export function usableId(value: unknown): JsonRpcId | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  return null;
}

export function errorReply(id: JsonRpcId | null, code: number, message: string): JSONRPCMessage {
  return { jsonrpc: '2.0', id, error: { code, message } } as unknown as JSONRPCMessage;
}

function reject(reason: RejectReason, code: number, detail: string, id: JsonRpcId | null): Verdict {
  return { kind: 'rejected', reason, detail, replies: [errorReply(id, code, detail)] };
}

/** A line or frame larger than `limit` bytes, answered without reading it (the id comes from a scan). */
export function oversized(bytes: number, limit: number, id: JsonRpcId | null): Verdict {
  return reject('too_large', ErrorCode.InvalidRequest, `Invalid Request: message of ${bytes} bytes is over the limit of ${limit} (mcp.maxMessageBytes); skipped`, id);
}

/** One message as text (a stdio line without its newline, or a WebSocket text frame). */
export function checkText(text: string): Verdict {
  // RFC 8259 §8.1: a BOM may be ignored; some Windows tools start a stream with one.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') return { kind: 'ignored' };
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return reject('parse_error', ErrorCode.ParseError, 'Parse error: the message is not valid JSON', null);
  }
  try {
    return checkValue(raw);
  } catch (err) {
    // A value zod cannot walk (nesting deep enough to overflow the stack): refused, not a crash.
    return reject('invalid_message', ErrorCode.InvalidRequest, `Invalid Request: ${err instanceof RangeError ? 'nested too deeply' : 'unreadable message'}`, null);
  }
}

const ENVELOPE = new Set(['jsonrpc', 'id', 'method', 'params']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One parsed JSON value. */
export function checkValue(raw: unknown): Verdict {
  if (Array.isArray(raw)) return checkBatch(raw);
  if (!isObject(raw)) return reject('not_object', ErrorCode.InvalidRequest, 'Invalid Request: a JSON-RPC message is an object', null);
  if (!('method' in raw) && ('result' in raw || 'error' in raw)) {
    const parsed = JSONRPCMessageSchema.safeParse(raw);
    if (parsed.success) return { kind: 'message', message: parsed.data };
    return { kind: 'rejected', reason: 'bad_response', detail: 'a malformed response (not answered)', replies: [] };
  }
  const id = usableId(raw.id);
  if (raw.jsonrpc !== '2.0') return reject('bad_jsonrpc', ErrorCode.InvalidRequest, 'Invalid Request: "jsonrpc" must be "2.0"', id);
  if ('id' in raw && id === null) return reject('bad_id', ErrorCode.InvalidRequest, 'Invalid Request: "id" must be a string or an integer', null);
  if (typeof raw.method !== 'string') return reject('bad_method', ErrorCode.InvalidRequest, `Invalid Request: "method" ${'method' in raw ? 'must be a string' : 'is missing'}`, id);
  if ('params' in raw && !isObject(raw.params)) return reject('bad_params', ErrorCode.InvalidRequest, 'Invalid Request: "params" must be an object (MCP uses named parameters)', id);
  const extra = Object.keys(raw).filter((k) => !ENVELOPE.has(k));
  if (extra.length > 0) return reject('unknown_member', ErrorCode.InvalidRequest, `Invalid Request: unexpected member ${extra.slice(0, 3).map((k) => JSON.stringify(k.slice(0, 40))).join(', ')}`, id);
  // The checks above are all MCP's envelope schema asks of a message without `_meta`; for the
  // hot methods the params check is as plain. Everything else goes through zod below. (The SDK
  // parses the message again before its handler runs, so nothing reaches it unchecked.)
  if (plainEnough(raw, id)) return { kind: 'message', message: raw as unknown as JSONRPCMessage };
  const parsed = JSONRPCMessageSchema.safeParse(raw);
  if (!parsed.success) return reject('invalid_message', ErrorCode.InvalidRequest, `Invalid Request: ${shortIssues(parsed.error.issues)}`, id);
  if (id !== null) {
    const schema = PARAMS_CHECKED.get(raw.method);
    if (schema) {
      const p = schema.safeParse({ method: raw.method, params: raw.params });
      if (!p.success) return reject('invalid_params', ErrorCode.InvalidParams, `Invalid params for ${raw.method}: ${shortIssues(p.error.issues)}`, id);
    }
  }
  return { kind: 'message', message: parsed.data };
}

/**
 * Params every schema in JSONRPCMessageSchema and PARAMS_CHECKED accepts, checked by hand:
 * absent, or an object without `_meta` (whose shape the schemas do check); for a request, a
 * method whose params are plain (FAST_PARAMS) or one not in PARAMS_CHECKED.
 */
function plainEnough(raw: Record<string, unknown>, id: JsonRpcId | null): boolean {
  const params = raw.params as Record<string, unknown> | undefined;
  if (params !== undefined && '_meta' in params) return false;
  if (id === null) return true; // a notification: its params are only checked for _meta
  const method = raw.method as string;
  const fast = FAST_PARAMS[method];
  if (fast) return fast(params ?? {});
  return !PARAMS_CHECKED.has(method);
}

/** What CallToolRequestSchema, PingRequestSchema and ListToolsRequestSchema accept, as plain checks (no `task`: zod checks that). */
const FAST_PARAMS: Record<string, ((p: Record<string, unknown>) => boolean) | undefined> = {
  'tools/call': (p) => typeof p.name === 'string' && (p.arguments === undefined || isObject(p.arguments)) && !('task' in p),
  ping: (p) => Object.keys(p).length === 0,
  'tools/list': (p) => Object.keys(p).every((k) => k === 'cursor') && (p.cursor === undefined || typeof p.cursor === 'string'),
};

function checkBatch(items: unknown[]): Verdict {
  const detail = 'Invalid Request: batches are not supported (MCP 2025-06-18 removed them); send one message per line';
  const ids = new Set<JsonRpcId>();
  for (const item of items) {
    // Responses inside a batch are not answered either.
    if (!isObject(item) || (!('method' in item) && ('result' in item || 'error' in item))) continue;
    const id = usableId(item.id);
    if (id !== null) ids.add(id);
  }
  const replies = ids.size > 0 ? [...ids].map((id) => errorReply(id, ErrorCode.InvalidRequest, detail)) : [errorReply(null, ErrorCode.InvalidRequest, detail)];
  return { kind: 'rejected', reason: 'batch', detail, replies };
}

type Issue = { path: PropertyKey[]; message: string };

/** "params.name: Invalid input: expected string, received undefined", at most two, bounded. */
function shortIssues(issues: readonly Issue[]): string {
  const text = issues
    .slice(0, 2)
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : '(message)'}: ${i.message}`)
    .join('; ');
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/**
 * Requests whose params are checked against MCP's schema here: the methods every stratum1d MCP
 * server serves. Others (logging/setLevel, completion/complete, tasks/*) reach the server,
 * which answers -32601 when it does not serve them.
 */
const SERVED = new Set(['initialize', 'ping', 'tools/list', 'tools/call', 'resources/list', 'resources/templates/list', 'resources/read', 'resources/subscribe', 'resources/unsubscribe', 'prompts/list', 'prompts/get']);

type MethodSchema = { safeParse(v: unknown): { success: true } | { success: false; error: { issues: Issue[] } } };

const PARAMS_CHECKED: ReadonlyMap<string, MethodSchema> = new Map(
  (ClientRequestSchema.options as unknown as Array<{ shape: { method: { value: string } } } & MethodSchema>)
    .filter((s) => SERVED.has(s.shape.method.value))
    .map((s) => [s.shape.method.value, s]),
);

/** Rejections by reason, for stderr summaries and stats. */
export class RejectCounts {
  readonly byReason: Partial<Record<RejectReason, number>> = {};
  total = 0;

  add(reason: RejectReason): void {
    this.byReason[reason] = (this.byReason[reason] ?? 0) + 1;
    this.total++;
  }

  /** "parse_error 3, bad_id 2" in REJECT_REASONS order. */
  summary(): string {
    return REJECT_REASONS.filter((r) => this.byReason[r])
      .map((r) => `${r} ${this.byReason[r]}`)
      .join(', ');
  }
}
