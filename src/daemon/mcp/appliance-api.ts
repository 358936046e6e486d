import type { ApplianceState } from '../core/appliance-state.js';
import type { TimeQuality } from './tools/quality.js';


/**
 * Everything an MCP tool may ask of the appliance. Two implementations: in the daemon
 * (direct calls, for the WebSocket and Streamable HTTP transports) and over the control
 * socket (for `stratum1d mcp` on stdio). A method whose subsystem is absent rejects with
 * SubsystemMissing, which tools turn into an isError result saying what is missing and how
 * to fix it; never an invented value.
 */
export class SubsystemMissing extends Error {
  constructor(
    readonly subsystem: string,
    message: string,
    readonly fix: string,
  ) {
    super(message);
    this.name = 'SubsystemMissing';
  }
}

/** The daemon cannot be reached (stdio bridge with the daemon down). */
export class DaemonDown extends Error {}

export interface Caller {
  /** Who: the API key's name, or `ssh:<user>` for stdio. */
  id: string;
  /** `none`: a local caller in none of the control socket's groups (only ever refused). */
  role: 'read' | 'admin' | 'none';
  /** `control`: refused by the control socket itself, before any MCP tool. */
  transport: 'stdio' | 'websocket' | 'http' | 'control';
  /** stdio: the bridge process's uid and pid as the kernel reported them to the daemon (SO_PEERCRED). */
  uid?: number;
  pid?: number;
}

export interface AuditRecord {
  id: number;
  at: number; // ms
  caller: string;
  role: string;
  transport: string;
  tool: string;
  arguments: unknown;
  ok: boolean;
  result: unknown;
  durationMs: number;
  /** Kernel-reported uid/pid of a stdio caller; null on the network. */
  uid?: number | null;
  pid?: number | null;
}

/** Refusals of one caller for one tool within one minute (kept apart from the actions: audit-store.ts). */
export interface RefusalRecord {
  minute: number; // ms, start of the minute
  caller: string;
  role: string;
  transport: string;
  tool: string;
  uid: number | null;
  lastPid: number | null;
  count: number;
  firstAt: number;
  lastAt: number;
  reason: string;
}

export interface ApplianceApi {
  /** Whole state snapshot; rejects with DaemonDown when the daemon is unreachable. */
  state(): Promise<ApplianceState>;
  /**
   * Optional: get_time's quality block without fetching the whole state. Never rejects because
   * the daemon is down: that is a quality (`daemon: 'down'`). Without it, get_time derives the
   * quality from state().
   */
  quality?(): Promise<TimeQuality>;
  /** The effective configuration with secrets redacted. */
  config(): Promise<unknown>;
  /** Dry run: the rendered timekeeper config and a unified diff against what is installed. */
  renderTimekeeperConfig(): Promise<{ kind: string; path: string; rendered: string; installed: string | null; diff: string; notes: string[] }>;
  // Admin (the caller's role is checked by the MCP layer; the daemon audits each call).
  applyTimekeeperConfig(caller: Caller): Promise<unknown>;
  restartTimekeeper(caller: Caller): Promise<unknown>;
  calibrateNmeaOffset(caller: Caller): Promise<unknown>;
  setRtcFromSystem(caller: Caller): Promise<unknown>;
  /** Admin actions (run or failed), newest first; refusals are in refusalLog. */
  auditLog(limit: number): Promise<AuditRecord[]>;
  /** Refusals per caller, tool and minute, newest first. */
  refusalLog?(limit: number): Promise<RefusalRecord[]>;
  /**
   * Optional: the MCP layer refused an admin tool to this caller (a `read` key); the daemon
   * audits refusals too. Implementations that cannot write the log may leave it out.
   */
  recordRefusal?(caller: Caller, tool: string, args: unknown, reason: string): Promise<void>;
  /**
   * Optional: state changes as they happen, for resource subscriptions. Returns the
   * unsubscribe function. Without it, the MCP server polls state() while anyone subscribes.
   */
  watch?(listener: (state: ApplianceState) => void): () => void;
}

/**
 * What the admin methods resolve with (typed `unknown` above because the control-socket
 * client relays it as JSON): `ok` false means the action ran and failed (e.g. an apply that
 * was rolled back); a rejection means it could not run at all.
 */
export interface AdminResult {
  ok: boolean;
  summary: string;
  details: Record<string, unknown>;
}

export function isAdminResult(v: unknown): v is AdminResult {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.ok === 'boolean' && typeof o.summary === 'string' && typeof o.details === 'object' && o.details !== null && !Array.isArray(o.details);
}
