import type { Config } from '../../config/schema.js';
import { ConfigError, EX_CONFIG } from '../../config/load-config.js';
import { loadRunnableConfig } from '../../config/preflight.js';
import { ppsTrackerOptions } from '../../config/sections/pps.js';
import { controlSocketPath, runtimeDir, stateDir } from '../../config/paths.js';
import { systemClock } from '../../drivers/clock.js';
import { AlarmService } from '../alarms/alarm-service.js';
import { ApplianceStore, initialState } from '../core/appliance-state.js';
import type { PendingKey } from '../core/reload-status.js';
import { summaryLine } from '../core/summary.js';
import { ControlServer } from '../control/control-server.js';
import { GnssService } from '../gnss/gnss-service.js';
import { RELEASE_DATE } from '../gnss/epoch/week-rollover.js';
import { PpsService } from '../pps/pps-service.js';
import { RtcService } from '../rtc/rtc-service.js';
import { HoldoverMonitor } from '../rtc/holdover-monitor.js';
import { createLogger, stderrIsJournal, type Logger } from '../logger.js';
import { Notifier } from '../notify/sd-notify.js';
import { redactSecrets } from '../mcp/tools/redact.js';
import { buildDrivers, buildGnssLink, buildPpsSource, type Drivers } from '../wiring.js';
import { loadedSubsystems } from '../wiring-loaded.js';
import { settleHeapAfterStartup } from '../wiring-memory.js';
import { startGpsdExport, type GpsdExport } from '../wiring-gpsd.js';
import { startTimekeeperFeed, type TimekeeperFeed } from '../wiring-timekeeper.js';
import { openHardwareRtc, systemClockAccess } from '../wiring-rtc.js';
import { startMcp, type McpWiring } from '../wiring-mcp.js';
import { startHttp, type HttpWiring } from '../wiring-http.js';
import { startFleet, type FleetHandle } from '../wiring-fleet.js';
import { VERSION } from '../version.js';
import { join } from 'node:path';
import { clearExitRecord, writeExitRecord } from './exit-record.js';
import { getPath, planReload, withKeysFrom, type ReloadAction } from './config-diff.js';
import { checkDirs, describeDirProblem, EX_CANTCREAT } from './startup-dirs.js';

export interface LifecycleOptions {
  configFile: string | null;
  simulate: boolean;
  env: NodeJS.ProcessEnv;
}

/** SIGTERM must finish well inside systemd's stop timeout; the issue asks for 2 s. */
const STOP_BUDGET_MS = 1500;
/** The fleet uploader's last attempt at shutdown, inside STOP_BUDGET_MS; what it cannot send stays in the outbox. */
const FLEET_FLUSH_MS = 1000;
/** A listener that cannot bind (port taken, another daemon) is worth retrying later: EX_TEMPFAIL. */
const EX_TEMPFAIL = 75;
/** A startup failure nobody foresaw: EX_SOFTWARE, after everything started so far is stopped. */
const EX_SOFTWARE = 70;

/** Thrown inside start(): stop what started, log `message`, exit with `code`. */
class StartupFailure extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly fields: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/**
 * The daemon's life in one place: start (fail fast, clean up what started, exit code),
 * reload (SIGHUP: per key apply or keep-and-report, see config-diff.ts) and stop. main.ts only
 * turns signals into these calls.
 */
export class DaemonLifecycle {
  readonly #o: LifecycleOptions;
  /** What runs: the file's values except keys that wait for a restart. */
  #config!: Config;
  #pending: PendingKey[] = [];
  #log!: Logger;
  #notifier!: Notifier;
  #store!: ApplianceStore;
  #drivers!: Drivers;
  #stateDir = '';
  #control: ControlServer | null = null;
  #gnss: GnssService | null = null;
  #pps: PpsService | null = null;
  #rtc: RtcService | null = null;
  #holdover: HoldoverMonitor | null = null;
  #gpsd: GpsdExport | null = null;
  #feed: TimekeeperFeed | null = null;
  #mcp: McpWiring | null = null;
  #http: HttpWiring | null = null;
  #fleet: FleetHandle | null = null;
  #alarms: AlarmService | null = null;
  #statusTimer: NodeJS.Timeout | null = null;
  #settle: { cancel(): void } | null = null;
  #lastStatus = '';
  /** Reloads and the stop run one after another, never interleaved. */
  #queue: Promise<unknown> = Promise.resolve();
  #stopping = false;

  constructor(o: LifecycleOptions) {
    this.#o = o;
  }

  get source(): string {
    return this.#o.configFile ?? '(defaults)';
  }

  /** null: running. A number: the exit code, with nothing left running. */
  async start(): Promise<number | null> {
    const env = this.#o.env;
    try {
      this.#config = loadRunnableConfig(this.#o.configFile, env);
    } catch (err) {
      if (err instanceof ConfigError) return this.#configExit(err);
      throw err;
    }
    this.#log = createLogger(this.#config.log);
    try {
      await this.#startServices();
      return null;
    } catch (err) {
      const f = err instanceof StartupFailure ? err : new StartupFailure(EX_SOFTWARE, `startup failed: ${(err as Error).message}`, { stack: (err as Error).stack });
      this.#log.error(f.message, { ...f.fields, exitCode: f.code });
      await this.#stopAll('startup failed');
      return f.code;
    }
  }

  async #configExit(err: ConfigError): Promise<number> {
    const env = this.#o.env;
    // One entry per line at error priority, so `journalctl -p err -u stratum1d` shows the key.
    const prefix = stderrIsJournal(env) ? '<3>' : '';
    process.stderr.write(`stratum1d: ${err.message}`.split('\n').map((l) => `${prefix}${l}\n`).join(''));
    if (env.STATE_DIRECTORY) {
      const record = { at: new Date().toISOString(), code: EX_CONFIG, reason: 'configuration' as const, source: err.source, problems: err.problems };
      await writeExitRecord(env.STATE_DIRECTORY.split(':')[0]!, record).catch(() => undefined);
    }
    return EX_CONFIG;
  }

  async #startServices(): Promise<void> {
    const { env, simulate } = this.#o;
    const config = this.#config;
    const log = this.#log;
    this.#notifier = Notifier.fromEnv(env, { onError: (e) => log.debug('sd_notify failed', { error: e.message }) });
    for (const problem of this.#notifier.problems) log.warn('systemd notify environment unusable', { problem });

    // Directories first: nothing is started that a bad directory would leave half alive.
    this.#stateDir = stateDir(config, env);
    const dirProblem = checkDirs({ stateDir: this.#stateDir, runtimeDir: runtimeDir(config, env) });
    if (dirProblem) throw new StartupFailure(EX_CANTCREAT, describeDirProblem(dirProblem), { key: dirProblem.key, path: dirProblem.path });

    this.#drivers = await buildDrivers(config, simulate);
    let rtcNote: string | null = null;
    if (!simulate) {
      try {
        const opened = await openHardwareRtc(config);
        this.#drivers.rtc = opened.device;
        rtcNote = opened.note;
      } catch (err) {
        throw new StartupFailure(EX_CONFIG, `cannot open the RTC: ${(err as Error).message} (set rtc.model: none to run without one)`, { key: 'rtc' });
      }
    }
    const drivers = this.#drivers;
    const store = (this.#store = new ApplianceStore(
      initialState({
        version: VERSION,
        pid: process.pid,
        startedAt: Date.now(),
        mode: simulate ? 'simulate' : 'hardware',
        configSource: this.source,
        gnssDevice: drivers.gnss.path,
        timeValidAfter: config.gnss.timeValidAfter,
        ppsSource: drivers.pps?.path ?? null,
        rtcModel: drivers.rtc?.model ?? null,
        timekeeper: config.timekeeper.kind,
        holdoverBudgetS: config.holdover.budgetMs / 1000,
      }),
    ));

    const control = (this.#control = new ControlServer(controlSocketPath(runtimeDir(config, env)), log.child({ service: 'control' })));
    control.handle('status', () => {
      const s = store.snapshot;
      return { summary: summaryLine(s), state: s, fleet: s.fleet, footprint: { loaded: loadedSubsystems(), rssBytes: process.memoryUsage.rss() } };
    });
    control.handle('ping', () => ({ pong: true, version: VERSION }));
    try {
      await control.start();
    } catch (err) {
      this.#control = null;
      throw new StartupFailure(EX_TEMPFAIL, `cannot start the control socket: ${(err as Error).message}`);
    }
    control.handle('control-stats', () => control.stats);
    log.info('stratum1d starting', { version: VERSION, mode: simulate ? 'simulate' : 'hardware', control: control.path });
    await clearExitRecord(this.#stateDir).catch(() => undefined);

    this.#pps = drivers.pps ? new PpsService(drivers.pps, store, log.child({ service: 'pps' }), { tracker: ppsTrackerOptions(config.pps) }) : null;
    // A simulated RTC (bench, lab) must never set the machine's clock, as in `run --simulate`.
    const clockAccess = await systemClockAccess(simulate || config.rtc.model === 'simulated');
    const rtc = (this.#rtc = drivers.rtc
      ? new RtcService({
          device: drivers.rtc,
          store,
          log: log.child({ service: 'rtc' }),
          clock: systemClock,
          config: config.rtc,
          systemClock: clockAccess.setter,
          syncProbe: clockAccess.probe,
          driftFile: join(this.#stateDir, 'rtc-drift.json'),
          note: rtcNote,
        })
      : null);
    this.#holdover = new HoldoverMonitor({ store, clock: systemClock, log: log.child({ service: 'holdover' }), config: config.holdover, publish: (h) => store.update('holdover', h) });
    this.#gnss = this.#makeGnss(config);
    if (config.gpsd.enabled) {
      try {
        this.#gpsd = await startGpsdExport(config, store, this.#gnss, log.child({ service: 'gpsd-json' }));
      } catch (err) {
        throw new StartupFailure(EX_TEMPFAIL, 'cannot start the gpsd JSON server (is gpsd running? set gpsd.port, or gpsd.enabled: false)', { error: (err as Error).message });
      }
    }
    control.handle('gpsd-stats', () => (this.#gpsd ? { address: this.#gpsd.server.address, ...this.#gpsd.server.stats() } : null));
    this.#feed = await startTimekeeperFeed(config, store, this.#gnss, this.#stateDir, log);
    try {
      this.#mcp = await startMcp({
        config: () => this.#config,
        configView: () => this.configView(),
        configSource: this.source,
        env,
        store,
        control,
        stateDir: this.#stateDir,
        // The feed is replaced when timekeeper settings change: always ask the current one.
        calibration: { calibrateNow: () => this.#feed!.calibration.calibrateNow() },
        setRtcFromSystem: rtc ? () => rtc.writeNow() : null,
        daemonManagesRtc: drivers.rtc?.access === 'i2c',
        runtimeDir: runtimeDir(config, env),
        log: log.child({ service: 'mcp' }),
      });
    } catch (err) {
      throw new StartupFailure(EX_TEMPFAIL, 'cannot start MCP over the network (mcp.port taken? set mcp.port, or mcp.enabled: false)', { listen: config.mcp.listen, port: config.mcp.port, error: (err as Error).message });
    }
    this.#http = await this.#startHttp(config).catch((err: Error) => {
      throw new StartupFailure(EX_TEMPFAIL, 'cannot start the HTTP health/metrics endpoint (port taken? set http.listen, or http.listen: off)', { listen: config.http.listen, error: err.message });
    });
    // After the state directory exists (the outbox lives there); records daemon-start.
    this.#fleet = await startFleet({ config: config.fleet, store, stateDir: this.#stateDir, log: log.child({ service: 'fleet' }), software: VERSION });
    await this.#pps?.start();
    await rtc?.start();
    this.#gnss.start();
    this.#alarms = new AlarmService({ store, log: log.child({ service: 'alarms' }), clock: systemClock, config: config.alarms, leapSecondsFile: config.timekeeper.chrony.leapSecondsFile });
    await this.#alarms.start();
    this.#holdover.start();
    control.handle('alarms', () => this.#alarms!.snapshot);
    this.#notifier.startWatchdog();
    // READY as soon as every surface is up, receiver or not: a missing receiver is a runtime
    // condition (alarm, STATUS=, status, MCP health), and the surfaces are what explain it.
    this.#notifier.ready();
    this.#publishStatus();
    log.info('ready', { summary: summaryLine(store.snapshot) });
    this.#settle = settleHeapAfterStartup(this.#gnss, log);
    // STATUS= at most once a second: the state changes with every sentence at 10 Hz.
    this.#statusTimer = setInterval(() => this.#publishStatus(), 1000);
  }

  /** The control server, for hooks that register more methods on it. */
  get control(): ControlServer | null {
    return this.#control;
  }

  get mcp(): McpWiring | null {
    return this.#mcp;
  }

  /** What get_config shows: the running configuration and, when some, the keys waiting for a restart. */
  configView(): unknown {
    return this.#pending.length === 0 ? this.#config : { ...this.#config, pendingRestart: this.#pending };
  }

  #statusLine(): string {
    const line = summaryLine(this.#store.snapshot);
    return this.#pending.length === 0 ? line : `${line}; restart needed for ${this.#pending.map((p) => p.key).join(', ')}`;
  }

  #publishStatus(force = false): void {
    const line = this.#statusLine();
    if (force || line !== this.#lastStatus) this.#notifier.status(line);
    this.#lastStatus = line;
  }

  reload(): Promise<void> {
    const run = this.#queue.then(() => (this.#stopping ? undefined : this.#reload()));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  stop(signal: string): Promise<void> {
    if (this.#stopping) return this.#queue.then(() => undefined);
    this.#stopping = true;
    this.#log.info('stopping', { signal });
    this.#notifier.stopping();
    const deadline = new Promise((r) => setTimeout(r, STOP_BUDGET_MS).unref());
    // A reload in progress finishes first (it may be starting a listener), within the budget.
    const run = Promise.race([this.#queue, deadline]).then(() => this.#stopAll(signal, deadline));
    this.#queue = run;
    return run;
  }

  async #stopAll(why: string, deadline: Promise<unknown> = new Promise((r) => setTimeout(r, STOP_BUDGET_MS).unref())): Promise<void> {
    if (this.#statusTimer) clearInterval(this.#statusTimer);
    this.#settle?.cancel();
    const parts = [
      this.#alarms?.stop(),
      this.#holdover?.stop(),
      this.#mcp?.stop(),
      this.#http?.stop(),
      this.#fleet?.stop(FLEET_FLUSH_MS),
      this.#gnss?.stop(),
      this.#pps?.stop(),
      this.#rtc?.stop(),
      this.#gpsd?.stop(),
      this.#feed?.stop(),
      this.#control?.stop(),
    ];
    await Promise.race([Promise.allSettled(parts), deadline]);
    this.#notifier?.stop();
    this.#log.info('stopped', { reason: why });
  }

  async #reload(): Promise<void> {
    const log = this.#log;
    this.#notifier.reloading();
    let file: Config;
    try {
      file = loadRunnableConfig(this.#o.configFile, this.#o.env);
    } catch (err) {
      const error = (err as Error).message;
      log.error('reload rejected, keeping the running configuration', { error });
      this.#store.update('reload', { at: Date.now(), outcome: 'rejected', applied: [], error });
      this.#notifier.ready();
      return;
    }
    // Compared with what the file said last time would re-list pending keys as new; compare
    // with what runs, and keys still waiting for a restart stay pending (not re-applied).
    const running = this.#config;
    const plan = planReload(running, file, { simulate: this.#o.simulate });
    const failed: Array<{ key: string; reason: string }> = [];
    let next = withKeysFrom(file, running, plan.restartNeeded.map((r) => r.key));
    for (const [action, keys] of plan.actions) {
      try {
        await this.#apply(action, next, running);
      } catch (err) {
        const reason = `applying it failed: ${(err as Error).message}`;
        log.error('reload: a change could not be applied; that part keeps its running settings', { keys, error: (err as Error).message });
        for (const key of keys) failed.push({ key, reason });
      }
    }
    next = withKeysFrom(next, running, failed.map((f) => f.key));
    this.#config = next;
    const kept = [...plan.restartNeeded, ...failed];
    this.#pending = kept.map(({ key, reason }) => ({
      key,
      running: redactedAt(next, key),
      pending: redactedAt(file, key),
      reason,
    }));
    const keptKeys = new Set(kept.map((k) => k.key));
    const applied = plan.changed.filter((k) => !keptKeys.has(k));
    if (applied.length > 0) {
      this.#alarms!.noteConfigChanged();
      this.#fleet!.noteConfigChanged(this.source);
    }
    const outcome = plan.changed.length === 0 ? 'unchanged' : kept.length === 0 ? 'applied' : 'partial';
    const error = failed.length ? failed.map((f) => `${f.key}: ${f.reason}`).join('; ') : null;
    this.#store.update('reload', { at: Date.now(), outcome, applied, pendingRestart: this.#pending, error });
    if (plan.restartNeeded.length > 0) {
      log.warn('reload: these keys need a restart; the old value keeps running until then', {
        keys: plan.restartNeeded.map((r) => r.key),
        why: Object.fromEntries(plan.restartNeeded.map((r) => [r.key, r.reason])),
      });
    }
    log.info('configuration reloaded', { source: this.source, outcome, applied, restartNeeded: this.#pending.map((p) => p.key) });
    this.#publishStatus(true);
    this.#notifier.ready();
  }

  /** One service, reconfigured or restarted on `next` (which already has only the applicable changes). */
  async #apply(action: ReloadAction, next: Config, running: Config): Promise<void> {
    const log = this.#log;
    const store = this.#store;
    switch (action) {
      case 'none':
        return;
      case 'log-level':
        log.setLevel(next.log.level);
        return;
      case 'gnss-log':
        this.#gnss!.setFixLogInterval(next.log.fixIntervalS);
        return;
      case 'gnss-pipeline':
        // New trust rules: the receiver earns trust again under them.
        this.#gnss!.reconfigure(pipelineOptions(next), next.log.fixIntervalS);
        return;
      case 'gnss-link': {
        log.info('GNSS settings changed, reopening the receiver', { device: next.gnss.device, baudRate: next.gnss.baudRate });
        await this.#gnss!.stop();
        this.#drivers.gnss = await buildGnssLink(next, this.#o.simulate);
        store.update('gnss', { device: this.#drivers.gnss.path, link: 'connecting' });
        this.#gnss = this.#makeGnss(next);
        this.#gpsd?.attach(this.#gnss);
        this.#feed!.attach(this.#gnss);
        this.#gnss.start();
        return;
      }
      case 'pps': {
        await this.#pps?.stop();
        const source = await buildPpsSource(next, this.#o.simulate);
        this.#drivers.pps = source;
        store.update('pps', { source: source?.path ?? null, link: source ? 'connecting' : 'absent' });
        this.#pps = source ? new PpsService(source, store, log.child({ service: 'pps' }), { tracker: ppsTrackerOptions(next.pps) }) : null;
        await this.#pps?.start();
        return;
      }
      case 'timekeeper-feed': {
        await this.#feed!.stop();
        try {
          this.#feed = await startTimekeeperFeed(next, store, this.#gnss!, this.#stateDir, log);
        } catch (err) {
          this.#feed = await startTimekeeperFeed(running, store, this.#gnss!, this.#stateDir, log);
          throw err;
        }
        return;
      }
      case 'holdover':
        this.#holdover!.reconfigure(next.holdover);
        return;
      case 'control':
        this.#control!.access.configure(next.control, (name, key) => log.info('control socket group does not exist; it grants nothing', { key: `control.${key}`, group: name }));
        return;
      case 'alarms':
        await this.#alarms!.reconfigure(next.alarms, next.timekeeper.chrony.leapSecondsFile);
        return;
      case 'gpsd':
        await this.#gpsd?.stop();
        this.#gpsd = null;
        try {
          if (next.gpsd.enabled) this.#gpsd = await startGpsdExport(next, store, this.#gnss!, log.child({ service: 'gpsd-json' }));
        } catch (err) {
          if (running.gpsd.enabled) this.#gpsd = await startGpsdExport(running, store, this.#gnss!, log.child({ service: 'gpsd-json' })).catch(() => null);
          throw err;
        }
        return;
      case 'mcp':
        await this.#mcp!.restartNetwork(next.mcp);
        return;
      case 'http':
        await this.#http?.stop();
        this.#http = null;
        try {
          this.#http = await this.#startHttp(next);
        } catch (err) {
          this.#http = await this.#startHttp(running).catch(() => null);
          throw err;
        }
        return;
      case 'fleet':
        await this.#fleet!.stop(FLEET_FLUSH_MS, 'reload');
        this.#fleet = await startFleet({ config: next.fleet, store, stateDir: this.#stateDir, log: log.child({ service: 'fleet' }), software: VERSION, why: 'reload' });
        return;
    }
  }

  #startHttp(config: Config): Promise<HttpWiring | null> {
    return startHttp({
      config: config.http,
      store: this.#store,
      stateDir: this.#stateDir,
      log: this.#log.child({ service: 'http' }),
      mcpStats: () => this.#mcp?.network?.stats() ?? null,
      controlStats: () => this.#control!.stats,
      gpsdStats: () => (this.#gpsd ? this.#gpsd.server.stats() : null),
    });
  }

  #makeGnss(config: Config): GnssService {
    return new GnssService({
      link: this.#drivers.gnss,
      store: this.#store,
      log: this.#log.child({ service: 'gnss' }),
      pipeline: pipelineOptions(config),
      backoff: config.gnss.reconnect,
      epochQuietMs: config.gnss.epochQuietMs,
      fixLogIntervalS: config.log.fixIntervalS,
    });
  }
}

function pipelineOptions(config: Config) {
  const g = config.gnss;
  // RELEASE_DATE: a receiver date older than this release is a GPS week rollover (1024 weeks back).
  return { acceptMissingChecksum: g.acceptMissingChecksum, timeValidAfter: g.timeValidAfter, dateFloor: RELEASE_DATE, maxDisagreementS: g.maxDisagreementS, maxRtcDisagreementS: g.maxRtcDisagreementS };
}

/** A key's value with secrets redacted by the same rule as get_config (the key's own name counts). */
function redactedAt(config: Config, key: string): unknown {
  const path = key.split('.');
  const leaf = path[path.length - 1]!;
  const r = redactSecrets({ [leaf]: getPath(config, path) }) as Record<string, unknown>;
  return r[leaf] ?? null;
}
