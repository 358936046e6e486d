import { controlCall, ControlUnavailable } from '../control/control-client.js';
import { DaemonDown, SubsystemMissing, type ApplianceApi, type AuditRecord, type Caller, type RefusalRecord } from './appliance-api.js';
import { MCP_CONTROL_METHODS as M, type Envelope, type WhoAmI } from './control-methods.js';
import type { ApplianceState } from '../core/appliance-state.js';
import { QualityFeed, type QualityFeedOptions } from './quality-feed.js';
import { qualityDown, qualityFrom, stateOrDown, type TimeQuality } from './tools/quality.js';

/** Reads answer fast; admin actions may validate with chronyd and restart it. */
const READ_TIMEOUT_MS = 5000;
// Above privileged.timeoutS (90 s by default): an apply that rolls back waits for two restarts.
const ADMIN_TIMEOUT_MS = 120_000;

/**
 * ApplianceApi over the daemon's control socket: what `stratum1d mcp` gives the MCP server.
 * One connection per call, as `stratum1d status` does, so a daemon restart between two tool
 * calls is invisible. No daemon → DaemonDown; a typed failure in the daemon is rebuilt here.
 */
/** Control connections one bridge keeps open at once (see ControlApi#call). */
const MAX_IN_FLIGHT = 4;

export class ControlApi implements ApplianceApi {
  constructor(
    readonly socketPath: string,
    private readonly call: typeof controlCall = controlCall,
  ) {}

  #feed: QualityFeed | null = null;

  /**
   * Keeps get_time's quality current by subscription (quality-feed.ts) from now on; without it
   * every quality() is a round trip. Opened at once, so the first get_time rarely waits.
   */
  subscribeQuality(opts: QualityFeedOptions = {}): QualityFeed {
    this.#feed ??= new QualityFeed(this.socketPath, opts);
    this.#feed.start();
    return this.#feed;
  }

  get qualityFeed(): QualityFeed | null {
    return this.#feed;
  }

  /** From the subscription while it is fresh; otherwise asked now (the daemon answers, or is reported down). */
  async quality(): Promise<TimeQuality> {
    const q = this.#feed ? await this.#feed.wait() : null;
    if (q) return q;
    const r = await stateOrDown(this);
    return 'state' in r ? qualityFrom(r.state) : qualityDown(r.down);
  }

  close(): void {
    this.#feed?.close();
  }

  state(): Promise<ApplianceState> {
    return this.#call(M.state, undefined, READ_TIMEOUT_MS) as Promise<ApplianceState>;
  }

  config(): Promise<unknown> {
    return this.#call(M.config, undefined, READ_TIMEOUT_MS);
  }

  renderTimekeeperConfig(): ReturnType<ApplianceApi['renderTimekeeperConfig']> {
    return this.#call(M.renderTimekeeperConfig, undefined, ADMIN_TIMEOUT_MS) as ReturnType<ApplianceApi['renderTimekeeperConfig']>;
  }

  applyTimekeeperConfig(caller: Caller): Promise<unknown> {
    return this.#call(M.applyTimekeeperConfig, { caller }, ADMIN_TIMEOUT_MS);
  }

  restartTimekeeper(caller: Caller): Promise<unknown> {
    return this.#call(M.restartTimekeeper, { caller }, ADMIN_TIMEOUT_MS);
  }

  calibrateNmeaOffset(caller: Caller): Promise<unknown> {
    return this.#call(M.calibrateNmeaOffset, { caller }, ADMIN_TIMEOUT_MS);
  }

  setRtcFromSystem(caller: Caller): Promise<unknown> {
    return this.#call(M.setRtcFromSystem, { caller }, ADMIN_TIMEOUT_MS);
  }

  auditLog(limit: number): Promise<AuditRecord[]> {
    return this.#call(M.auditLog, { limit }, READ_TIMEOUT_MS) as Promise<AuditRecord[]>;
  }

  refusalLog(limit: number): Promise<RefusalRecord[]> {
    return this.#call(M.refusalLog, { limit }, READ_TIMEOUT_MS) as Promise<RefusalRecord[]>;
  }

  /** The daemon audits the refusal under the uid the kernel gives it for this process. */
  async recordRefusal(caller: Caller, tool: string): Promise<void> {
    await this.#call(M.recordRefusal, { tool, caller: { role: caller.role } }, READ_TIMEOUT_MS);
  }

  /**
   * Who this bridge is to the daemon, and so which tools it lists: the daemon answers from the
   * socket's peer credentials. `readOnly` can only lower the role. With the daemon down (or
   * refusing this user) the session is read-only: admin tools could not run anyway.
   */
  async whoami(opts: { readOnly: boolean; fallbackId: string }): Promise<Caller & { note?: string }> {
    const hint = { caller: { role: opts.readOnly ? 'read' : 'admin' } };
    try {
      const w = (await this.#call(M.whoami, hint, READ_TIMEOUT_MS)) as WhoAmI;
      return { id: w.id, role: w.role, transport: 'stdio', uid: w.uid, pid: w.pid };
    } catch (err) {
      return { id: opts.fallbackId, role: 'read', transport: 'stdio', note: (err as Error).message };
    }
  }

  /**
   * The stdio bridge's budget towards the daemon: however many requests an assistant (or a
   * flood on stdin) sends at once, at most MAX_IN_FLIGHT control connections are open; the
   * rest wait their turn here, in this process, not as connections the daemon must serve.
   */
  #inFlight = 0;
  readonly #waiting: Array<() => void> = [];

  async #call(method: string, params: unknown, timeoutMs: number): Promise<unknown> {
    if (this.#inFlight >= MAX_IN_FLIGHT) await new Promise<void>((r) => this.#waiting.push(r));
    this.#inFlight++;
    try {
      return await this.#callNow(method, params, timeoutMs);
    } finally {
      this.#inFlight--;
      this.#waiting.shift()?.();
    }
  }

  async #callNow(method: string, params: unknown, timeoutMs: number): Promise<unknown> {
    let res: Envelope;
    try {
      res = (await this.call(this.socketPath, method, params, timeoutMs)) as Envelope;
    } catch (err) {
      if (err instanceof ControlUnavailable) throw new DaemonDown(`stratum1d daemon is not running or not answering: ${err.message}`);
      const msg = (err as Error).message;
      if (msg.startsWith('unknown_method:')) {
        throw new SubsystemMissing('daemon', 'the running daemon does not serve MCP requests (older version?)', 'restart stratum1d so the daemon and this command are the same version');
      }
      throw err;
    }
    if (typeof res !== 'object' || res === null || typeof res.ok !== 'boolean') throw new Error(`malformed answer from the daemon to ${method}`);
    if (res.ok) return res.value;
    const e = res.error;
    if (e.kind === 'SubsystemMissing') throw new SubsystemMissing(e.subsystem, e.message, e.fix);
    throw new Error(e.message);
  }
}
