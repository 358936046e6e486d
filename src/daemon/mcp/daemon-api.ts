import type { ApplianceState } from '../core/appliance-state.js';
import type { NmeaOffsetEstimate } from '../core/timekeeper-types.js';
import type { ApplyOutcome } from '../timekeeper/apply/apply-config.js';
import type { ConfigPreview } from '../timekeeper/apply/preview.js';
import type { CommandResult } from '../timekeeper/apply/run-command.js';
import { type AdminResult, type ApplianceApi, type AuditRecord, type Caller, type RefusalRecord, SubsystemMissing } from './appliance-api.js';
import type { NewAuditRecord, NewRefusal } from './audit/audit-store.js';
import { qualityFrom, type TimeQuality } from './tools/quality.js';
import { redactSecrets } from './tools/redact.js';

/**
 * The ApplianceApi inside the daemon: direct calls on the store and the services, every
 * admin action audited here (so calls relayed from `stratum1d mcp` over the control socket
 * are audited by the daemon as well). Everything is injected: main.ts passes the real
 * services, tests pass fakes with the same shapes.
 */
export interface DaemonApiDeps {
  store: { readonly snapshot: ApplianceState; subscribe(l: (next: ApplianceState, prev: ApplianceState) => void): () => void };
  /** The effective config (redacted here before it leaves). */
  config: () => unknown;
  /** null when timekeeper.kind is none. */
  timekeeper: {
    /** previewTimekeeperConfig(kind, config, facts) with facts from gatherFacts; `notes`: gatherFacts' notes. */
    preview(): Promise<ConfigPreview & { notes?: string[] }>;
    /** applyRendered(target, rendered, { dryRun: false }) for chronyTarget/ntpsecTarget. */
    apply(): Promise<ApplyOutcome>;
    /** target.restart(): the configured restart command. */
    restart(): Promise<CommandResult>;
    restartArgv: readonly string[];
  } | null;
  calibration: { calibrateNow(): Promise<NmeaOffsetEstimate | null> } | null;
  /** Writes the system time into the RTC; absent when there is no writable RTC. */
  setRtcFromSystem?: (() => Promise<Record<string, unknown> | void>) | null;
  audit: { record(r: NewAuditRecord): number; recent(limit: number): AuditRecord[]; recordRefusal(r: NewRefusal): void; recentRefusals(limit: number): RefusalRecord[] };
  /** Told when an audit row cannot be written (the action itself stands); counted in auditWriteFailures. */
  onAuditError?: (err: Error) => void;
  /** Monotonic ms for durations; default performance.now. */
  monoMs?: () => number;
}

const NO_TIMEKEEPER = (): SubsystemMissing =>
  new SubsystemMissing(
    'timekeeper',
    'no timekeeper is configured (timekeeper.kind is none)',
    'install chrony (`sudo apt install chrony`), set `timekeeper.kind: chrony` in the stratum1d config and restart stratum1d',
  );

export class DaemonApi implements ApplianceApi {
  readonly #d: DaemonApiDeps;
  readonly #mono: () => number;
  /** Admin actions run one at a time: an apply and a restart must never interleave. */
  #queue: Promise<unknown> = Promise.resolve();
  auditWriteFailures = 0;

  constructor(deps: DaemonApiDeps) {
    this.#d = deps;
    this.#mono = deps.monoMs ?? (() => performance.now());
  }

  async state(): Promise<ApplianceState> {
    return this.#d.store.snapshot;
  }

  #qualityOf: ApplianceState | null = null;
  #quality: TimeQuality | null = null;

  /** Computed once per state snapshot (snapshots are immutable), not once per get_time. */
  async quality(): Promise<TimeQuality> {
    const s = this.#d.store.snapshot;
    if (s !== this.#qualityOf || this.#quality === null) {
      this.#quality = qualityFrom(s);
      this.#qualityOf = s;
    }
    return this.#quality;
  }

  async config(): Promise<unknown> {
    return redactSecrets(this.#d.config());
  }

  async renderTimekeeperConfig() {
    const tk = this.#d.timekeeper;
    if (!tk) throw NO_TIMEKEEPER();
    const p = await tk.preview();
    const notes = [...(p.notes ?? []), ...p.rendered.notes.map((n) => `${n.level}: ${n.message}`)];
    return { kind: p.kind, path: p.path, rendered: p.rendered.text, installed: p.installed, diff: p.diff, notes };
  }

  applyTimekeeperConfig(caller: Caller): Promise<AdminResult> {
    return this.#admin(caller, 'apply_timekeeper_config', async () => {
      const tk = this.#d.timekeeper;
      if (!tk) throw NO_TIMEKEEPER();
      const o = await tk.apply();
      const last = o.messages[o.messages.length - 1];
      return {
        ok: o.exitCode === 0,
        summary: `${o.status}${last ? `: ${last}` : ''}`,
        details: { status: o.status, exitCode: o.exitCode, messages: o.messages, diff: o.diff, backupPath: o.backupPath, validation: o.validation },
      };
    });
  }

  restartTimekeeper(caller: Caller): Promise<AdminResult> {
    return this.#admin(caller, 'restart_timekeeper', async () => {
      const tk = this.#d.timekeeper;
      if (!tk) throw NO_TIMEKEEPER();
      const r = await tk.restart();
      const ok = r.code === 0 && r.error === null;
      const how = r.error ?? (r.code !== null ? `exit status ${r.code}` : `killed by ${r.signal ?? 'a signal'}`);
      return { ok, summary: `\`${tk.restartArgv.join(' ')}\`: ${ok ? 'done' : how}`, details: { command: [...tk.restartArgv], code: r.code, signal: r.signal, error: r.error, stderr: r.stderr.slice(-2000) } };
    });
  }

  calibrateNmeaOffset(caller: Caller): Promise<AdminResult> {
    return this.#admin(caller, 'calibrate_nmea_offset', async () => {
      const c = this.#d.calibration;
      if (!c) throw new SubsystemMissing('calibration', 'NMEA calibration is not running (no timekeeper feed)', 'configure a timekeeper (timekeeper.kind: chrony) so the daemon feeds and calibrates it');
      const e = await c.calibrateNow();
      if (e === null) {
        return { ok: false, summary: 'not enough samples yet: calibration needs a time-valid GNSS fix and PPS (or a clock disciplined elsewhere) for a while', details: {} };
      }
      return { ok: true, summary: `NMEA delay ${(e.valueS * 1e3).toFixed(3)} ms from ${e.samples} samples against ${e.reference ?? 'unknown'}; run apply_timekeeper_config to render it`, details: { ...e } };
    });
  }

  setRtcFromSystem(caller: Caller): Promise<AdminResult> {
    return this.#admin(caller, 'set_rtc_from_system', async () => {
      const set = this.#d.setRtcFromSystem;
      if (!set) throw new SubsystemMissing('rtc', 'no writable real-time clock is configured', 'fit a DS3231 or PCF8523 on I2C, enable I2C (`dtparam=i2c_arm=on`) and configure the RTC in stratum1d');
      const r = await set();
      return { ok: true, summary: 'RTC set from the system clock', details: r ?? {} };
    });
  }

  async auditLog(limit: number): Promise<AuditRecord[]> {
    return this.#d.audit.recent(limit);
  }

  async refusalLog(limit: number): Promise<RefusalRecord[]> {
    return this.#d.audit.recentRefusals(limit);
  }

  /** Refusals go to their own aggregated table (audit-store.ts), never among the admin actions. */
  async recordRefusal(caller: Caller, tool: string, _args: unknown, reason: string): Promise<void> {
    try {
      this.#d.audit.recordRefusal({ caller: caller.id, role: caller.role, transport: caller.transport, tool, reason, uid: caller.uid ?? null, pid: caller.pid ?? null });
    } catch (err) {
      this.auditWriteFailures += 1;
      this.#d.onAuditError?.(err as Error);
    }
  }

  watch(listener: (state: ApplianceState) => void): () => void {
    return this.#d.store.subscribe((next) => listener(next));
  }

  #admin(caller: Caller, tool: string, fn: () => Promise<AdminResult>): Promise<AdminResult> {
    const run = async (): Promise<AdminResult> => {
      const t0 = this.#mono();
      try {
        const r = await fn();
        this.#write(caller, tool, {}, r.ok, r, this.#mono() - t0);
        return r;
      } catch (err) {
        const e = err as Error;
        this.#write(caller, tool, {}, false, { error: e.message, ...(err instanceof SubsystemMissing ? { missing: err.subsystem } : {}) }, this.#mono() - t0);
        throw err;
      }
    };
    const p = this.#queue.then(run, run);
    this.#queue = p.catch(() => undefined);
    return p;
  }

  #write(caller: Caller, tool: string, args: unknown, ok: boolean, result: unknown, durationMs: number): void {
    try {
      this.#d.audit.record({
        caller: caller.id,
        role: caller.role,
        transport: caller.transport,
        tool,
        arguments: redactSecrets(args),
        ok,
        result: redactSecrets(result),
        durationMs: Math.round(durationMs * 1000) / 1000,
        uid: caller.uid ?? null,
        pid: caller.pid ?? null,
      });
    } catch (err) {
      // A full disk must not turn an applied config into an error report; the action stands.
      this.auditWriteFailures += 1;
      this.#d.onAuditError?.(err as Error);
    }
  }
}
