import type { Config } from '../../config/schema.js';
import { GnssService } from '../gnss/gnss-service.js';
import { RELEASE_DATE } from '../gnss/epoch/week-rollover.js';
import { startHttp, type HttpWiring } from '../wiring-http.js';
import type { DaemonRuntime } from './daemon-runtime.js';

/** Start-up and reload build these the same way; a reload passes the new configuration. */
export function makeGnss(rt: DaemonRuntime, config: Config): GnssService {
  return new GnssService({
    link: rt.drivers.gnss,
    store: rt.store,
    log: rt.log.child({ service: 'gnss' }),
    pipeline: pipelineOptions(config),
    backoff: config.gnss.reconnect,
    epochQuietMs: config.gnss.epochQuietMs,
    fixLogIntervalS: config.log.fixIntervalS,
  });
}

export function startHttpEndpoint(rt: DaemonRuntime, config: Config): Promise<HttpWiring | null> {
  return startHttp({
    config: config.http,
    store: rt.store,
    stateDir: rt.stateDir,
    log: rt.log.child({ service: 'http' }),
    // The other surfaces are replaced by reloads: always ask the current ones.
    mcpStats: () => rt.mcp?.network?.stats() ?? null,
    controlStats: () => rt.control!.stats,
    gpsdStats: () => (rt.gpsd ? rt.gpsd.server.stats() : null),
  });
}

export function pipelineOptions(config: Config) {
  const g = config.gnss;
  // RELEASE_DATE: a receiver date older than this release is a GPS week rollover (1024 weeks back).
  return { acceptMissingChecksum: g.acceptMissingChecksum, timeValidAfter: g.timeValidAfter, dateFloor: RELEASE_DATE, maxDisagreementS: g.maxDisagreementS, maxRtcDisagreementS: g.maxRtcDisagreementS };
}
