import type { Config } from '../../config/schema.js';
import { ppsTrackerOptions } from '../../config/sections/pps.js';
import { PpsService } from '../pps/pps-service.js';
import { buildGnssLink, buildPpsSource } from '../wiring.js';
import { startGpsdExport } from '../wiring-gpsd.js';
import { startTimekeeperFeed } from '../wiring-timekeeper.js';
import { startFleet } from '../wiring-fleet.js';
import { VERSION } from '../version.js';
import type { ReloadAction } from './config-diff.js';
import type { DaemonRuntime } from './daemon-runtime.js';
import { makeGnss, pipelineOptions, startHttpEndpoint } from './service-factories.js';
import { FLEET_FLUSH_MS } from './stop-services.js';

/**
 * One service, reconfigured or restarted on `next` (which already has only the applicable
 * changes). A service that fails to restart on `next` is restarted on `running` where it can be,
 * and the error is rethrown for the reload to report those keys as not applied.
 */
export async function applyReloadAction(rt: DaemonRuntime, action: ReloadAction, next: Config, running: Config): Promise<void> {
  const log = rt.log;
  const store = rt.store;
  const simulate = rt.options.simulate;
  switch (action) {
    case 'none':
      return;
    case 'log-level':
      log.setLevel(next.log.level);
      return;
    case 'gnss-log':
      rt.gnss!.setFixLogInterval(next.log.fixIntervalS);
      return;
    case 'gnss-pipeline':
      // New trust rules: the receiver earns trust again under them.
      rt.gnss!.reconfigure(pipelineOptions(next), next.log.fixIntervalS);
      return;
    case 'gnss-link': {
      log.info('GNSS settings changed, reopening the receiver', { device: next.gnss.device, baudRate: next.gnss.baudRate });
      await rt.gnss!.stop();
      rt.drivers.gnss = await buildGnssLink(next, simulate);
      store.update('gnss', { device: rt.drivers.gnss.path, link: 'connecting' });
      const gnss = (rt.gnss = makeGnss(rt, next));
      rt.gpsd?.attach(gnss);
      rt.feed!.attach(gnss);
      gnss.start();
      return;
    }
    case 'pps': {
      await rt.pps?.stop();
      const source = await buildPpsSource(next, simulate);
      rt.drivers.pps = source;
      store.update('pps', { source: source?.path ?? null, link: source ? 'connecting' : 'absent' });
      rt.pps = source ? new PpsService(source, store, log.child({ service: 'pps' }), { tracker: ppsTrackerOptions(next.pps) }) : null;
      await rt.pps?.start();
      return;
    }
    case 'timekeeper-feed': {
      await rt.feed!.stop();
      try {
        rt.feed = await startTimekeeperFeed(next, store, rt.gnss!, rt.stateDir, log);
      } catch (err) {
        rt.feed = await startTimekeeperFeed(running, store, rt.gnss!, rt.stateDir, log);
        throw err;
      }
      return;
    }
    case 'holdover':
      rt.holdover!.reconfigure(next.holdover);
      return;
    case 'control':
      rt.control!.access.configure(next.control, (name, key) => log.info('control socket group does not exist; it grants nothing', { key: `control.${key}`, group: name }));
      return;
    case 'alarms':
      await rt.alarms!.reconfigure(next.alarms, next.timekeeper.chrony.leapSecondsFile);
      return;
    case 'gpsd':
      await rt.gpsd?.stop();
      rt.gpsd = null;
      try {
        if (next.gpsd.enabled) rt.gpsd = await startGpsdExport(next, store, rt.gnss!, log.child({ service: 'gpsd-json' }));
      } catch (err) {
        if (running.gpsd.enabled) rt.gpsd = await startGpsdExport(running, store, rt.gnss!, log.child({ service: 'gpsd-json' })).catch(() => null);
        throw err;
      }
      return;
    case 'mcp':
      await rt.mcp!.restartNetwork(next.mcp);
      return;
    case 'http':
      await rt.http?.stop();
      rt.http = null;
      try {
        rt.http = await startHttpEndpoint(rt, next);
      } catch (err) {
        rt.http = await startHttpEndpoint(rt, running).catch(() => null);
        throw err;
      }
      return;
    case 'fleet':
      await rt.fleet!.stop(FLEET_FLUSH_MS, 'reload');
      rt.fleet = await startFleet({ config: next.fleet, store, stateDir: rt.stateDir, log: log.child({ service: 'fleet' }), software: VERSION, why: 'reload' });
      return;
  }
}
