import type { ControlServer } from '../control/control-server.js';
import { SubsystemMissing, type ApplianceApi, type Caller } from './appliance-api.js';

/**
 * Control-socket methods serving `stratum1d mcp` (the stdio bridge, src/daemon/mcp/control-api.ts).
 * Results travel in an envelope so typed failures cross the socket: the control protocol only
 * carries an error code and message, and the bridge must tell "subsystem missing" (a tool's
 * isError with a fix) from any other failure.
 */
export type Envelope<T = unknown> = { ok: true; value: T } | { ok: false; error: WireError };
export type WireError = { kind: 'SubsystemMissing'; subsystem: string; message: string; fix: string } | { kind: 'Forbidden' | 'BadRequest' | 'Error'; message: string };

export const MCP_CONTROL_METHODS = {
  state: 'mcp.state',
  config: 'mcp.config',
  renderTimekeeperConfig: 'mcp.renderTimekeeperConfig',
  applyTimekeeperConfig: 'mcp.applyTimekeeperConfig',
  restartTimekeeper: 'mcp.restartTimekeeper',
  calibrateNmeaOffset: 'mcp.calibrateNmeaOffset',
  setRtcFromSystem: 'mcp.setRtcFromSystem',
  auditLog: 'mcp.auditLog',
} as const;

const ADMIN = ['applyTimekeeperConfig', 'restartTimekeeper', 'calibrateNmeaOffset', 'setRtcFromSystem'] as const;

class BadRequest extends Error {}
class Forbidden extends Error {}

/**
 * Anyone who can open the control socket (owner or group `stratum1d`, mode 0660) may call
 * these: the socket's file permissions are the access control, as for chronyc's command socket.
 * The caller id is the bridge's word (unix sockets carry no peer identity Node can read), so the
 * audit log records it as claimed; the transport is always stdio on this path.
 */
export function registerMcpControlMethods(control: ControlServer, api: ApplianceApi): void {
  const m = MCP_CONTROL_METHODS;
  control.handle(m.state, () => wrap(() => api.state()));
  control.handle(m.config, () => wrap(() => api.config()));
  control.handle(m.renderTimekeeperConfig, () => wrap(() => api.renderTimekeeperConfig()));
  for (const name of ADMIN) {
    control.handle(m[name], (params) =>
      wrap(() => {
        const caller = callerFrom(params);
        if (caller.role !== 'admin') throw new Forbidden(`${name} needs the admin role; caller ${caller.id} has ${caller.role}`);
        return api[name](caller);
      }),
    );
  }
  control.handle(m.auditLog, (params) =>
    wrap(() => {
      const limit = (params as { limit?: unknown } | undefined)?.limit ?? 50;
      if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new BadRequest('limit must be an integer from 1 to 10000');
      return api.auditLog(limit);
    }),
  );
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

function callerFrom(params: unknown): Caller {
  const c = (params as { caller?: unknown } | undefined)?.caller as Partial<Caller> | undefined;
  if (!c || typeof c.id !== 'string' || c.id.length === 0 || c.id.length > 128) throw new BadRequest('params.caller.id must be a non-empty string (at most 128 characters)');
  if (c.role !== 'read' && c.role !== 'admin') throw new BadRequest('params.caller.role must be "read" or "admin"');
  return { id: c.id, role: c.role, transport: 'stdio' };
}
