import type { ControlServer } from '../control/control-server.js';
import { peerId, type Peer } from '../control/peer-identity.js';
import { SubsystemMissing, type ApplianceApi, type Caller } from './appliance-api.js';
import { streamOptions, watchQuality } from './quality-stream.js';

/**
 * Control-socket methods serving `stratum1d mcp` (the stdio bridge, src/daemon/mcp/control-api.ts).
 * Results travel in an envelope so typed failures cross the socket: the control protocol only
 * carries an error code and message, and the bridge must tell "subsystem missing" (a tool's
 * isError with a fix) from any other failure.
 */
export type Envelope<T = unknown> = { ok: true; value: T } | { ok: false; error: WireError };
export type WireError = { kind: 'SubsystemMissing'; subsystem: string; message: string; fix: string } | { kind: 'Forbidden' | 'BadRequest' | 'Error'; message: string };

export const MCP_CONTROL_METHODS = {
  whoami: 'mcp.whoami',
  state: 'mcp.state',
  config: 'mcp.config',
  renderTimekeeperConfig: 'mcp.renderTimekeeperConfig',
  applyTimekeeperConfig: 'mcp.applyTimekeeperConfig',
  restartTimekeeper: 'mcp.restartTimekeeper',
  calibrateNmeaOffset: 'mcp.calibrateNmeaOffset',
  setRtcFromSystem: 'mcp.setRtcFromSystem',
  auditLog: 'mcp.auditLog',
  refusalLog: 'mcp.refusalLog',
  recordRefusal: 'mcp.recordRefusal',
  /** A subscription (ControlServer.stream): get_time's quality, pushed on change and as a heartbeat (quality-stream.ts). */
  watchQuality: 'mcp.watchQuality',
} as const;

/** What `mcp.whoami` answers: the caller as the daemon sees it, which the bridge builds its server from. */
export interface WhoAmI {
  id: string;
  role: 'read' | 'admin';
  uid: number;
  pid: number;
  user: string | null;
  because: string;
}

const ADMIN = {
  applyTimekeeperConfig: 'apply_timekeeper_config',
  restartTimekeeper: 'restart_timekeeper',
  calibrateNmeaOffset: 'calibrate_nmea_offset',
  setRtcFromSystem: 'set_rtc_from_system',
} as const;

class BadRequest extends Error {}
class Forbidden extends Error {}

/**
 * The caller is who the kernel says connected (SO_PEERCRED, control-access.ts), with the role
 * its uid and groups give it. What the bridge claims in `params.caller` can only lower that
 * role (`stratum1d mcp --read-only`); its id is never believed. Every admin method refused here
 * is audited, as is every refusal the bridge reports (mcp.recordRefusal), with the real uid.
 */
export function registerMcpControlMethods(control: ControlServer, api: ApplianceApi): void {
  const m = MCP_CONTROL_METHODS;
  // Refused by the socket itself (a caller in none of its groups, or a read caller asking for an
  // admin method): into the same refusal table, with the kernel's uid, so `get_audit_log` shows it.
  control.onRefused = (peer, method, reason) => {
    void api.recordRefusal?.({ id: peerId(peer), role: peer.role, transport: 'control', uid: peer.uid, pid: peer.pid }, method, {}, reason);
  };
  control.handle(m.whoami, (params, peer) => {
    const c = callerOf(peer, params);
    const who: WhoAmI = { id: c.id, role: c.role, uid: peer.uid, pid: peer.pid, user: peer.user, because: peer.because };
    return { ok: true, value: who } satisfies Envelope;
  });
  control.handle(m.state, () => wrap(() => api.state()));
  control.stream(m.watchQuality, async (params, _peer, push) => {
    const watch = api.watch?.bind(api);
    if (!watch) throw new Error('this daemon cannot push state changes');
    return watchQuality(await api.state(), watch, push, streamOptions(params));
  });
  control.handle(m.config, () => wrap(() => api.config()));
  control.handle(m.renderTimekeeperConfig, () => wrap(() => api.renderTimekeeperConfig()));
  for (const [method, tool] of Object.entries(ADMIN) as Array<[keyof typeof ADMIN, string]>) {
    control.handle(m[method], (params, peer) => wrap(async () => api[method](await admin(api, tool, peer, params))));
  }
  control.handle(m.auditLog, (params, peer) =>
    wrap(async () => {
      await admin(api, 'get_audit_log', peer, params);
      return api.auditLog(limitOf(params));
    }),
  );
  control.handle(m.refusalLog, (params, peer) =>
    wrap(async () => {
      await admin(api, 'get_audit_log', peer, params);
      return api.refusalLog ? api.refusalLog(limitOf(params)) : [];
    }),
  );
  control.handle(m.recordRefusal, (params, peer) =>
    wrap(async () => {
      const tool = (params as { tool?: unknown } | undefined)?.tool;
      if (typeof tool !== 'string' || !/^[a-z0-9_]{1,64}$/.test(tool)) throw new BadRequest('params.tool must be a tool name');
      const c = callerOf(peer, params);
      await api.recordRefusal?.(c, tool, {}, reasonFor(tool, c));
      return null;
    }),
  );
}

/** The caller for an admin method, or a Forbidden after the refusal is audited. */
async function admin(api: ApplianceApi, tool: string, peer: Peer, params: unknown): Promise<Caller> {
  const c = callerOf(peer, params);
  if (c.role === 'admin') return c;
  const reason = reasonFor(tool, c);
  await api.recordRefusal?.(c, tool, {}, reason);
  throw new Forbidden(reason);
}

function reasonFor(tool: string, c: Caller): string {
  return `${tool} requires the admin role; caller ${c.id} has the ${c.role} role`;
}

export function callerOf(peer: Peer, params: unknown): Caller & { role: 'read' | 'admin' } {
  const claimed = (params as { caller?: { role?: unknown } } | undefined)?.caller?.role;
  // A peer without a role never reaches a handler (control-server.ts refuses it first).
  const role = peer.role === 'admin' && claimed !== 'read' ? 'admin' : 'read';
  return { id: peerId(peer), role, transport: 'stdio', uid: peer.uid, pid: peer.pid };
}

function limitOf(params: unknown): number {
  const limit = (params as { limit?: unknown } | undefined)?.limit ?? 50;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new BadRequest('limit must be an integer from 1 to 10000');
  return limit;
}

async function wrap(fn: () => Promise<unknown>): Promise<Envelope> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    return { ok: false, error: toWire(err) };
  }
}

export function toWire(err: unknown): WireError {
  if (err instanceof SubsystemMissing) return { kind: 'SubsystemMissing', subsystem: err.subsystem, message: err.message, fix: err.fix };
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof Forbidden) return { kind: 'Forbidden', message };
  if (err instanceof BadRequest) return { kind: 'BadRequest', message };
  return { kind: 'Error', message };
}
