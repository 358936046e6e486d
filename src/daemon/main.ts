import type { Config } from '../config/schema.js';
import { ConfigError, EX_CONFIG } from '../config/load-config.js';
import { loadRunnableConfig } from '../config/preflight.js';
import { ppsTrackerOptions } from '../config/sections/pps.js';
import { mkdirSync } from 'node:fs';
import { controlSocketPath, runtimeDir, stateDir } from '../config/paths.js';
import { systemClock } from '../drivers/clock.js';
import { AlarmService } from './alarms/alarm-service.js';
import { ApplianceStore, initialState } from './core/appliance-state.js';
import { summaryLine } from './core/summary.js';
import { ControlServer } from './control/control-server.js';
import { GnssService } from './gnss/gnss-service.js';
import { RELEASE_DATE } from './gnss/epoch/week-rollover.js';
import { PpsService } from './pps/pps-service.js';
import { RtcService } from './rtc/rtc-service.js';
import { createLogger, stderrIsJournal, type Logger } from './logger.js';
import { Notifier } from './notify/sd-notify.js';
import { buildDrivers, type Drivers } from './wiring.js';
import { startGpsdExport, type GpsdExport } from './wiring-gpsd.js';
import { startTimekeeperFeed } from './wiring-timekeeper.js';
import { openHardwareRtc, systemClockAccess } from './wiring-rtc.js';
import { startMcp } from './wiring-mcp.js';
import { startHttp, type HttpWiring } from './wiring-http.js';
import { startFleet } from './wiring-fleet.js';
import { HoldoverMonitor } from './rtc/holdover-monitor.js';
import { join } from 'node:path';
import { VERSION } from './version.js';
import { clearExitRecord, writeExitRecord } from './lifecycle/exit-record.js';

export interface RunOptions {
  configFile: string | null;
  simulate: boolean;
  env?: NodeJS.ProcessEnv;
}

/** SIGTERM must finish well inside systemd's stop timeout; the issue asks for 2 s. */
const STOP_BUDGET_MS = 1500;
/** The fleet uploader's last attempt at shutdown, inside STOP_BUDGET_MS; what it cannot send stays in the outbox. */
const FLEET_FLUSH_MS = 1000;

/**
 * The only place that wires concrete drivers to services. Fails fast on startup problems
 * (bad config → 78, another daemon running → 75); after startup it degrades and reports
 * instead of exiting. Resolves with the exit code when the daemon has stopped.
 */
export async function runDaemon(opts: RunOptions): Promise<number> {
  const env = opts.env ?? process.env;
  let config: Config;
  try {
    config = loadRunnableConfig(opts.configFile, env);
  } catch (err) {
    if (err instanceof ConfigError) {
      // One entry per line at error priority, so `journalctl -p err -u stratum1d` shows the key.
      const prefix = stderrIsJournal(env) ? '<3>' : '';
      process.stderr.write(`stratum1d: ${err.message}`.split('\n').map((l) => `${prefix}${l}\n`).join(''));
      if (env.STATE_DIRECTORY) {
        const record = { at: new Date().toISOString(), code: EX_CONFIG, reason: 'configuration' as const, source: err.source, problems: err.problems };
        await writeExitRecord(env.STATE_DIRECTORY.split(':')[0]!, record).catch(() => undefined);
      }
      return EX_CONFIG;
    }
    throw err;
  }
  const log = createLogger(config.log);
  // Signals are caught from the first moment: one that arrives while services start is held
  // and acted on once they are up (SIGHUP's default action would kill a starting daemon).
  const early: NodeJS.Signals[] = [];
  const holdSignal = (sig: NodeJS.Signals): void => void early.push(sig);
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, holdSignal);
  const notifier = Notifier.fromEnv(env, { onError: (e) => log.debug('sd_notify failed', { error: e.message }) });
  for (const problem of notifier.problems) log.warn('systemd notify environment unusable', { problem });
  const drivers = buildDrivers(config, opts.simulate);
  let rtcNote: string | null = null;
  if (!opts.simulate) {
    try {
      const opened = await openHardwareRtc(config);
      drivers.rtc = opened.device;
      rtcNote = opened.note;
    } catch (err) {
      process.stderr.write(`stratum1d: cannot open the RTC: ${(err as Error).message} (set rtc.model: none to run without one)\n`);
      return EX_CONFIG;
    }
  }
  const store = new ApplianceStore(
    initialState({
      version: VERSION,
      pid: process.pid,
      startedAt: Date.now(),
      mode: opts.simulate ? 'simulate' : 'hardware',
      configSource: opts.configFile ?? '(defaults)',
      gnssDevice: drivers.gnss.path,
      timeValidAfter: config.gnss.timeValidAfter,
      ppsSource: drivers.pps?.path ?? null,
      rtcModel: drivers.rtc?.model ?? null,
      timekeeper: config.timekeeper.kind,
      holdoverBudgetS: config.holdover.budgetMs / 1000,
    }),
  );

  const control = new ControlServer(controlSocketPath(runtimeDir(config, env)), log.child({ service: 'control' }));
  control.handle('status', () => {
    const s = store.snapshot;
    return { summary: summaryLine(s), state: s, fleet: s.fleet };
  });
  control.handle('ping', () => ({ pong: true, version: VERSION }));
  try {
    await control.start();
  } catch (err) {
    log.error('cannot start the control socket', { error: (err as Error).message });
    return 75; // EX_TEMPFAIL
  }
  control.handle('control-stats', () => control.stats);

  log.info('stratum1d starting', { version: VERSION, mode: opts.simulate ? 'simulate' : 'hardware', control: control.path });
  const pps = drivers.pps ? new PpsService(drivers.pps, store, log.child({ service: 'pps' }), { tracker: ppsTrackerOptions(config.pps) }) : null;
  const stateDirectory = stateDir(config, env);
  mkdirSync(stateDirectory, { recursive: true, mode: 0o750 });
  await clearExitRecord(stateDirectory).catch(() => undefined);
  // A simulated RTC (bench, lab) must never set the machine's clock, as in `run --simulate`.
  const clockAccess = systemClockAccess(opts.simulate || config.rtc.model === 'simulated');
  const rtc = drivers.rtc
    ? new RtcService({
        device: drivers.rtc,
        store,
        log: log.child({ service: 'rtc' }),
        clock: systemClock,
        config: config.rtc,
        systemClock: clockAccess.setter,
        syncProbe: clockAccess.probe,
        driftFile: join(stateDirectory, 'rtc-drift.json'),
        note: rtcNote,
      })
    : null;
  const holdover = new HoldoverMonitor({ store, clock: systemClock, log: log.child({ service: 'holdover' }), config: config.holdover, publish: (h) => store.update('holdover', h) });
  let gnss = makeGnss(config, drivers, store, log);
  let gpsd: GpsdExport | null = null;
  if (config.gpsd.enabled) {
    try {
      gpsd = await startGpsdExport(config, store, gnss, log.child({ service: 'gpsd-json' }));
    } catch (err) {
      log.error('cannot start the gpsd JSON server (is gpsd running? set gpsd.port, or gpsd.enabled: false)', { error: (err as Error).message });
      await control.stop();
      return 75;
    }
    control.handle('gpsd-stats', () => ({ address: gpsd?.server.address, ...gpsd?.server.stats() }));
  }
  const feed = await startTimekeeperFeed(config, store, gnss, stateDirectory, log);
  let mcp;
  try {
    mcp = await startMcp({
      config: () => config,
      configSource: opts.configFile ?? '(defaults)',
      env,
      store,
      control,
      stateDir: stateDirectory,
      calibration: feed.calibration,
      setRtcFromSystem: rtc ? () => rtc.writeNow() : null,
      daemonManagesRtc: drivers.rtc?.access === 'i2c',
      runtimeDir: runtimeDir(config, env),
      log: log.child({ service: 'mcp' }),
    });
  } catch (err) {
    log.error('cannot start MCP (port taken or TLS files unreadable?)', { error: (err as Error).message });
    await Promise.allSettled([feed.stop(), gpsd?.stop(), control.stop()]);
    return 75;
  }
  let http: HttpWiring | null;
  try {
    http = await startHttp({
      config: config.http,
      store,
      stateDir: stateDirectory,
      log: log.child({ service: 'http' }),
      mcpStats: () => mcp.network?.stats() ?? null,
      controlStats: () => control.stats,
      gpsdStats: () => (gpsd ? gpsd.server.stats() : null),
    });
  } catch (err) {
    log.error('cannot start the HTTP health/metrics endpoint (port taken? set http.listen, or http.listen: off)', { listen: config.http.listen, error: (err as Error).message });
    await Promise.allSettled([mcp.stop(), feed.stop(), gpsd?.stop(), control.stop()]);
    return 75;
  }
  // After the state directory exists (the outbox lives there); records daemon-start.
  const fleet = startFleet({ config: config.fleet, store, stateDir: stateDirectory, log: log.child({ service: 'fleet' }), software: VERSION });
  await pps?.start();
  await rtc?.start();
  gnss.start();
  const alarms = new AlarmService({
    store,
    log: log.child({ service: 'alarms' }),
    clock: systemClock,
    config: config.alarms,
    leapSecondsFile: config.timekeeper.chrony.leapSecondsFile,
  });
  await alarms.start();
  holdover.start();
  control.handle('alarms', () => alarms.snapshot);
  notifier.startWatchdog();
  // READY as soon as every surface is up, receiver or not: a missing receiver is a runtime
  // condition (alarm, STATUS=, status, MCP health), and the surfaces are what explain it.
  notifier.ready();
  notifier.status(summaryLine(store.snapshot));
  log.info('ready', { summary: summaryLine(store.snapshot) });

  // STATUS= at most once a second: the state changes with every sentence at 10 Hz.
  let lastStatus = '';
  const statusTimer = setInterval(() => {
    const line = summaryLine(store.snapshot);
    if (line !== lastStatus) notifier.status(line);
    lastStatus = line;
  }, 1000);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (signal: string): Promise<void> => {
      if (stopping) return;
      stopping = true;
      log.info('stopping', { signal });
      notifier.stopping();
      clearInterval(statusTimer);
      const deadline = new Promise((r) => setTimeout(r, STOP_BUDGET_MS).unref());
      await Promise.race([Promise.allSettled([alarms.stop(), holdover.stop(), mcp.stop(), http?.stop(), fleet.stop(FLEET_FLUSH_MS), gnss.stop(), pps?.stop(), rtc?.stop(), gpsd?.stop(), feed.stop(), control.stop()]), deadline]);
      notifier.stop();
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      process.off('SIGHUP', onHup);
      log.info('stopped');
      resolve(0);
    };
    const reload = (): void => {
      notifier.reloading();
      let next: Config;
      try {
        next = loadRunnableConfig(opts.configFile, env);
      } catch (err) {
        log.error('reload rejected, keeping the running configuration', { error: (err as Error).message });
        notifier.ready();
        return;
      }
      log.setLevel(next.log.level);
      const linkChanged = next.gnss.device !== config.gnss.device || next.gnss.baudRate !== config.gnss.baudRate;
      if (linkChanged && !opts.simulate) {
        log.info('GNSS port settings changed, reopening', { device: next.gnss.device, baudRate: next.gnss.baudRate });
        const old = gnss;
        void old.stop().then(() => {
          const nd = buildDrivers(next, false);
          drivers.gnss = nd.gnss;
          store.update('gnss', { device: nd.gnss.path, link: 'connecting' });
          gnss = makeGnss(next, drivers, store, log);
          gpsd?.attach(gnss);
          feed.attach(gnss);
          gnss.start();
        });
      } else {
        gnss.reconfigure(pipelineOptions(next), next.log.fixIntervalS);
      }
      if (JSON.stringify(next) !== JSON.stringify(config)) {
        alarms.noteConfigChanged();
        fleet.noteConfigChanged(opts.configFile ?? '(defaults)');
      }
      void alarms.reconfigure(next.alarms, next.timekeeper.chrony.leapSecondsFile);
      config = next;
      log.info('configuration reloaded', { source: opts.configFile ?? '(defaults)' });
      notifier.ready();
    };
    const onTerm = (): void => void stop('SIGTERM');
    const onInt = (): void => void stop('SIGINT');
    const onHup = (): void => reload();
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
    process.on('SIGHUP', onHup);
    for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.off(sig, holdSignal);
    for (const sig of early.splice(0)) (sig === 'SIGHUP' ? onHup : sig === 'SIGINT' ? onInt : onTerm)();
  });
}

function pipelineOptions(config: Config) {
  const g = config.gnss;
  // RELEASE_DATE: a receiver date older than this release is a GPS week rollover (1024 weeks back).
  return { acceptMissingChecksum: g.acceptMissingChecksum, timeValidAfter: g.timeValidAfter, dateFloor: RELEASE_DATE, maxDisagreementS: g.maxDisagreementS, maxRtcDisagreementS: g.maxRtcDisagreementS };
}

function makeGnss(config: Config, drivers: Drivers, store: ApplianceStore, log: Logger): GnssService {
  return new GnssService({
    link: drivers.gnss,
    store,
    log: log.child({ service: 'gnss' }),
    pipeline: pipelineOptions(config),
    backoff: config.gnss.reconnect,
    epochQuietMs: config.gnss.epochQuietMs,
    fixLogIntervalS: config.log.fixIntervalS,
  });
}
