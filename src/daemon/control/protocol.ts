/**
 * The local control socket speaks newline-delimited JSON: one request object per line,
 * one response per request, matched by `id`. Small on purpose: `stratum1d status` and (later)
 * the stdio MCP bridge are its clients.
 */
export interface ControlRequest {
  id: number | string;
  method: string;
  params?: unknown;
}

export type ControlResponse =
  | { id: number | string | null; result: unknown }
  | { id: number | string | null; error: { code: string; message: string } }
  /**
   * A stream's later pushes (ControlServer.stream): after the request's `result`, the daemon
   * sends `event` lines with the same id on the same connection until the client hangs up.
   */
  | { id: number | string | null; event: unknown };

/** Longest request line accepted; anything longer is a client bug or an attack. */
export const MAX_REQUEST_BYTES = 64 * 1024;

export function parseRequest(line: string): ControlRequest | { error: string; id: number | string | null } {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return { error: 'request is not valid JSON', id: null };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { error: 'request must be a JSON object', id: null };
  const o = v as Record<string, unknown>;
  const id = typeof o.id === 'number' || typeof o.id === 'string' ? o.id : null;
  if (id === null) return { error: 'request needs an "id" (number or string)', id: null };
  if (typeof o.method !== 'string' || o.method === '') return { error: 'request needs a "method" string', id };
  return { id, method: o.method, params: o.params };
}
