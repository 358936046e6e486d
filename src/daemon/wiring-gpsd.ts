import type { Config } from '../config/schema.js';
import type { ApplianceStore } from './core/appliance-state.js';
import { attachGnssFeed, type GnssFeedSource } from './exports/gnss-feed.js';
import { GpsdJsonServer } from './exports/gpsd-json-server.js';
import type { Logger } from './logger.js';
import { VERSION } from './version.js';

export interface GpsdExport {
  server: GpsdJsonServer;
  /** Re-points the feed after the GNSS service was replaced (SIGHUP with a new port). */
  attach(source: GnssFeedSource): void;
  stop(): Promise<void>;
}

/**
 * The gpsd JSON server fed from the GNSS service's events and the state's PPS edges and link
 * state. Listening fails fast at startup (port taken) like every other startup problem.
 */
export async function startGpsdExport(config: Config, store: ApplianceStore, source: GnssFeedSource, log: Logger): Promise<GpsdExport> {
  const gnss = () => store.snapshot.gnss;
  const deviceInfo = () =>
    gnss().link === 'open'
      ? { path: gnss().device, activatedAt: gnss().linkSince, bps: config.gnss.baudRate, cycleS: 1 / config.simulator.rateHz }
      : null;
  const server = new GpsdJsonServer({
    listen: config.gpsd.listen,
    port: config.gpsd.port,
    maxClients: config.gpsd.maxClients,
    clientBufferBytes: config.gpsd.clientBufferBytes,
    idleTimeoutMs: config.gpsd.idleTimeoutS * 1000,
    rev: `stratum1d ${VERSION}`,
    device: deviceInfo(),
    log,
  });
  await server.listen();
  let detach = attachGnssFeed(source, server);
  const unsubscribe = store.subscribe((next, prev) => {
    if (next.gnss.link !== prev.gnss.link || next.gnss.device !== prev.gnss.device) server.setDevice(deviceInfo());
    const edge = next.pps.lastEdge;
    if (edge && edge !== prev.pps.lastEdge) {
      // The edge marks the top of the nearest GNSS second; `clock` is when the system saw it.
      const real = edge.nsec >= 500_000_000 ? edge.sec + 1 : edge.sec;
      server.publishPps({ real: { sec: real, nsec: 0 }, clock: { sec: edge.sec, nsec: edge.nsec } });
    }
  });
  return {
    server,
    attach(next) {
      detach();
      detach = attachGnssFeed(next, server);
    },
    async stop() {
      unsubscribe();
      detach();
      await server.close();
    },
  };
}
