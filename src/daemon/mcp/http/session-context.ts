import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../../logger.js';
import type { ApplianceApi, Caller } from '../appliance-api.js';
import type { KeyHolder } from '../auth/api-keys.js';
import { rateLimitedError, type RateLimiter } from '../auth/rate-limit.js';

/** Builds the MCP server for one session: the lead passes `createMcpServer`. */
export type McpServerFactory = (api: ApplianceApi, caller: Caller) => McpServer;

/** What both network transports share: how to make a session's server, limits, and the log. */
export interface SessionContext {
  createServer: McpServerFactory;
  apiFor(caller: Caller): ApplianceApi;
  limiter: RateLimiter;
  log: Logger;
  /** WebSocket connections + HTTP sessions currently open, against `maxConnections`. */
  open(): number;
  maxConnections: number;
  /** Connections + sessions per key, against `mcp.maxConnectionsPerKey`. */
  slots: KeySlots;
}

/**
 * How many of the shared connection slots each key holds. One key (a leaked read key, a
 * runaway client) can take at most `perKey` of them, so it cannot lock every other key out.
 */
export class KeySlots {
  readonly #held = new Map<string, number>();
  refused = 0;

  constructor(readonly perKey: number) {}

  held(key: string): number {
    return this.#held.get(key) ?? 0;
  }

  /** Takes a slot for `key`; false (counted) when the key already holds its share. */
  tryTake(key: string): boolean {
    const n = this.held(key);
    if (n >= this.perKey) {
      this.refused++;
      return false;
    }
    this.#held.set(key, n + 1);
    return true;
  }

  release(key: string): void {
    const n = this.held(key) - 1;
    if (n > 0) this.#held.set(key, n);
    else this.#held.delete(key);
  }
}

export function callerFor(holder: KeyHolder, transport: 'websocket' | 'http'): Caller {
  return { id: holder.name, role: holder.role, transport };
}

/** Requests (not notifications or responses) spend a token: they are what costs the daemon work. */
export function isRequest(m: unknown): m is { id: string | number; method: string } {
  return typeof m === 'object' && m !== null && 'method' in m && 'id' in m;
}

/** The per-key rate gate for WebSocket messages: a refused request is answered, not delivered. */
export function rateGate(ctx: SessionContext, holder: KeyHolder): (m: JSONRPCMessage) => JSONRPCMessage | null {
  return (m) => {
    if (!isRequest(m)) return null;
    const d = ctx.limiter.take(holder.name);
    if (d.ok) return null;
    ctx.log.debug('rate limited', { key: holder.name, method: m.method, retryAfterMs: d.retryAfterMs });
    return rateLimitedError(m.id, d.retryAfterMs) as unknown as JSONRPCMessage;
  };
}
