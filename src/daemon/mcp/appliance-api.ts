import type { ApplianceState } from '../core/appliance-state.js';

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
  role: 'read' | 'admin';
  transport: 'stdio' | 'websocket' | 'http';
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
}

export interface ApplianceApi {
  /** Whole state snapshot; rejects with DaemonDown when the daemon is unreachable. */
  state(): Promise<ApplianceState>;
  /** The effective configuration with secrets redacted. */
  config(): Promise<unknown>;
  /** Dry run: the rendered timekeeper config and a unified diff against what is installed. */
  renderTimekeeperConfig(): Promise<{ kind: string; path: string; rendered: string; installed: string | null; diff: string; notes: string[] }>;
  // Admin (the caller's role is checked by the MCP layer; the daemon audits each call).
  applyTimekeeperConfig(caller: Caller): Promise<unknown>;
  restartTimekeeper(caller: Caller): Promise<unknown>;
  calibrateNmeaOffset(caller: Caller): Promise<unknown>;
  setRtcFromSystem(caller: Caller): Promise<unknown>;
  auditLog(limit: number): Promise<AuditRecord[]>;
}
