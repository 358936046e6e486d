import { EX_CONFIG } from '../../config/load-config.js';
import { ppsTrackerOptions } from '../../config/sections/pps.js';
import { controlSocketPath, runtimeDir, stateDir } from '../../config/paths.js';
import { systemClock } from '../../drivers/clock.js';
import { AlarmService } from '../alarms/alarm-service.js';
import { ApplianceStore, initialState } from '../core/appliance-state.js';
import { summaryLine } from '../core/summary.js';
import { ControlServer } from '../control/control-server.js';
import { PpsService } from '../pps/pps-service.js';
import { RtcService } from '../rtc/rtc-service.js';
import { HoldoverMonitor } from '../rtc/holdover-monitor.js';
import { Notifier } from '../notify/sd-notify.js';
import { buildDrivers } from '../wiring.js';
import { loadedSubsystems } from '../wiring-loaded.js';
import { settleHeapAfterStartup } from '../wiring-memory.js';
import { startGpsdExport } from '../wiring-gpsd.js';
import { startTimekeeperFeed } from '../wiring-timekeeper.js';
import { openHardwareRtc, systemClockAccess } from '../wiring-rtc.js';
import { startMcp } from '../wiring-mcp.js';
import { startFleet } from '../wiring-fleet.js';
import { VERSION } from '../version.js';
import { join } from 'node:path';
import type { DaemonRuntime } from './daemon-runtime.js';
import { clearExitRecord } from './exit-record.js';
import { makeGnss, startHttpEndpoint } from './service-factories.js';
import { publishStatus } from './status-publishing.js';
import { checkDirs, describeDirProblem, EX_CANTCREAT } from './startup-dirs.js';
import { EX_TEMPFAIL, StartupFailure } from './startup-failure.js';

/**
 * Starts every service in dependency order, then tells systemd READY. Throws StartupFailure
 * (or anything else) with what started so far recorded in `rt`, for the caller to stop.
 */
export async function startServices(rt: DaemonRuntime): Promise<void> {
  const { env, simulate } = rt.options;
  const config = rt.config;
  const log = rt.log;
  rt.notifier = Notifier.fromEnv(env, { onError: (e) => log.debug('sd_notify failed', { error: e.message }) });
  for (const problem of rt.notifier.problems) log.warn('systemd notify environment unusable', { problem });

  // Directories first: nothing is started that a bad directory would leave half alive.
  rt.stateDir = stateDir(config, env);
  const dirProblem = checkDirs({ stateDir: rt.stateDir, runtimeDir: runtimeDir(config, env) });
  if (dirProblem) throw new StartupFailure(EX_CANTCREAT, describeDirProblem(dirProblem), { key: dirProblem.key, path: dirProblem.path });

  rt.drivers = await buildDrivers(config, simulate);
  let rtcNote: string | null = null;
  if (!simulate) {
    try {
      const opened = await openHardwareRtc(config);
      rt.drivers.rtc = opened.device;
      rtcNote = opened.note;
    } catch (err) {
      throw new StartupFailure(EX_CONFIG, `cannot open the RTC: ${(err as Error).message} (set rtc.model: none to run without one)`, { key: 'rtc' });
    }
  }
  const drivers = rt.drivers;
  const store = (rt.store = new ApplianceStore(
    initialState({
      version: VERSION,
      pid: process.pid,
      startedAt: Date.now(),
      mode: simulate ? 'simulate' : 'hardware',
      configSource: rt.source,
      gnssDevice: drivers.gnss.path,
      timeValidAfter: config.gnss.timeValidAfter,
      ppsSource: drivers.pps?.path ?? null,
      rtcModel: drivers.rtc?.model ?? null,
      timekeeper: config.timekeeper.kind,
      holdoverBudgetS: config.holdover.budgetMs / 1000,
    }),
  ));

  const control = (rt.control = new ControlServer(controlSocketPath(runtimeDir(config, env)), log.child({ service: 'control' })));
  control.handle('status', () => {
    const s = store.snapshot;
    return { summary: summaryLine(s), state: s, fleet: s.fleet, footprint: { loaded: loadedSubsystems(), rssBytes: process.memoryUsage.rss() } };
  });
  control.handle('ping', () => ({ pong: true, version: VERSION }));
  try {
    await control.start();
  } catch (err) {
    rt.control = null;
    throw new StartupFailure(EX_TEMPFAIL, `cannot start the control socket: ${(err as Error).message}`);
  }
  control.handle('control-stats', () => control.stats);
  log.info('stratum1d starting', { version: VERSION, mode: simulate ? 'simulate' : 'hardware', control: control.path });
  await clearExitRecord(rt.stateDir).catch(() => undefined);

  rt.pps = drivers.pps ? new PpsService(drivers.pps, store, log.child({ service: 'pps' }), { tracker: ppsTrackerOptions(config.pps) }) : null;
  // A simulated RTC (bench, lab) must never set the machine's clock, as in `run --simulate`.
  const clockAccess = await systemClockAccess(simulate || config.rtc.model === 'simulated');
  const rtc = (rt.rtc = drivers.rtc
    ? new RtcService({
        device: drivers.rtc,
        store,
        log: log.child({ service: 'rtc' }),
        clock: systemClock,
        config: config.rtc,
        systemClock: clockAccess.setter,
        syncProbe: clockAccess.probe,
        driftFile: join(rt.stateDir, 'rtc-drift.json'),
        note: rtcNote,
      })
    : null);
  const holdover = (rt.holdover = new HoldoverMonitor({ store, clock: systemClock, log: log.child({ service: 'holdover' }), config: config.holdover, publish: (h) => store.update('holdover', h) }));
  const gnss = (rt.gnss = makeGnss(rt, config));
  if (config.gpsd.enabled) {
    try {
      rt.gpsd = await startGpsdExport(config, store, gnss, log.child({ service: 'gpsd-json' }));
    } catch (err) {
      throw new StartupFailure(EX_TEMPFAIL, 'cannot start the gpsd JSON server (is gpsd running? set gpsd.port, or gpsd.enabled: false)', { error: (err as Error).message });
    }
  }
  control.handle('gpsd-stats', () => (rt.gpsd ? { address: rt.gpsd.server.address, ...rt.gpsd.server.stats() } : null));
  rt.feed = await startTimekeeperFeed(config, store, gnss, rt.stateDir, log);
  try {
    rt.mcp = await startMcp({
      config: () => rt.config,
      configView: () => rt.configView(),
      configSource: rt.source,
      env,
      store,
      control,
      stateDir: rt.stateDir,
      // The feed is replaced when timekeeper settings change: always ask the current one.
      calibration: { calibrateNow: () => rt.feed!.calibration.calibrateNow() },
      setRtcFromSystem: rtc ? () => rtc.writeNow() : null,
      daemonManagesRtc: drivers.rtc?.access === 'i2c',
      runtimeDir: runtimeDir(config, env),
      log: log.child({ service: 'mcp' }),
    });
  } catch (err) {
    throw new StartupFailure(EX_TEMPFAIL, 'cannot start MCP over the network (mcp.port taken? set mcp.port, or mcp.enabled: false)', { listen: config.mcp.listen, port: config.mcp.port, error: (err as Error).message });
  }
  rt.http = await startHttpEndpoint(rt, config).catch((err: Error) => {
    throw new StartupFailure(EX_TEMPFAIL, 'cannot start the HTTP health/metrics endpoint (port taken? set http.listen, or http.listen: off)', { listen: config.http.listen, error: err.message });
  });
  // After the state directory exists (the outbox lives there); records daemon-start.
  rt.fleet = await startFleet({ config: config.fleet, store, stateDir: rt.stateDir, log: log.child({ service: 'fleet' }), software: VERSION });
  await rt.pps?.start();
  await rtc?.start();
  gnss.start();
  const alarms = (rt.alarms = new AlarmService({ store, log: log.child({ service: 'alarms' }), clock: systemClock, config: config.alarms, leapSecondsFile: config.timekeeper.chrony.leapSecondsFile }));
  await alarms.start();
  holdover.start();
  control.handle('alarms', () => rt.alarms!.snapshot);
  rt.notifier.startWatchdog();
  // READY as soon as every surface is up, receiver or not: a missing receiver is a runtime
  // condition (alarm, STATUS=, status, MCP health), and the surfaces are what explain it.
  rt.notifier.ready();
  publishStatus(rt);
  log.info('ready', { summary: summaryLine(store.snapshot) });
  rt.settle = settleHeapAfterStartup(gnss, log);
  // STATUS= at most once a second: the state changes with every sentence at 10 Hz.
  rt.statusTimer = setInterval(() => publishStatus(rt), 1000);
}
