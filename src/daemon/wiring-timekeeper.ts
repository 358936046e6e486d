import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { systemClock } from '../drivers/clock.js';
import { UnixDatagramSender } from '../drivers/native/unix-datagram-sender.js';
import type { ApplianceStore, PulseRecord } from './core/appliance-state.js';
import type { Fix } from './core/fix.js';
import type { FixTrust } from './gnss/nmea-pipeline.js';
import type { Logger } from './logger.js';
import { NmeaCalibrationService } from './timekeeper/calibration/nmea-calibration-service.js';
import { ChronySockFeed } from './timekeeper/feed/chrony-sock-feed.js';
import { NtpShmWriter } from './timekeeper/feed/ntp-shm-writer.js';
import { ArrivalCheck } from './timekeeper/feed/arrival-check.js';
import { publishFeedStats } from './timekeeper/feed/feed-stats.js';
import { sockLayoutFor } from './timekeeper/feed/sock-sample.js';
import { leapIndicatorFor } from './core/leap-indicator.js';
import { liveRefclocksFor, statusReaderFor } from './timekeeper/status/status-from-config.js';
import { TimekeeperStatusService } from './timekeeper/status/timekeeper-status-service.js';

/** What the timekeeper feed listens to: GnssService fits as it is. */
export interface FixSource {
  on(event: 'fix', listener: (fix: Fix, trust: FixTrust) => void): unknown;
  off(event: 'fix', listener: (fix: Fix, trust: FixTrust) => void): unknown;
}

export interface TimekeeperFeed {
  calibration: NmeaCalibrationService;
  attach(source: FixSource): void;
  stop(): Promise<void>;
}

/**
 * Calibration, the feed for the configured timekeeper (chrony's SOCK refclocks, or NTP shared
 * memory for ntpsec) and the status poller that explains what the timekeeper thinks. Nothing
 * here depends on the timekeeper running: samples to an absent chronyd are counted and retried
 * every epoch, and the poller reports it down, so start order never matters.
 */
export async function startTimekeeperFeed(config: Config, store: ApplianceStore, source: FixSource, stateDir: string, log: Logger): Promise<TimekeeperFeed> {
  const tk = config.timekeeper;
  const calibration = new NmeaCalibrationService({
    store,
    log: log.child({ service: 'calibration' }),
    clock: systemClock,
    stateFile: join(stateDir, 'nmea-offset.json'),
    initialS: tk.nmeaOffset.initialS,
    windowSize: tk.nmeaOffset.windowSize,
    minSamples: tk.nmeaOffset.minSamples,
    allowLateLabel: tk.nmeaOffset.allowLateLabel,
    labelNames: tk.nmeaOffset.labelNames === 'auto' ? null : tk.nmeaOffset.labelNames,
    systemClockTrusted: () => clockDisciplinedElsewhere(store),
  });
  await calibration.start();

  // One verdict per epoch for every consumer: a stalled arrival stamp is neither sent nor measured.
  const arrival = new ArrivalCheck({ maxErrorS: tk.nmeaOffset.maxArrivalErrorS });
  const leap = (fix: Fix): 0 | 1 | 2 => leapIndicatorFor(fix.time, store.snapshot.timekeeper.tracking?.leap);
  const sender = tk.kind === 'chrony' ? new UnixDatagramSender() : null;
  const sock = sender
    ? new ChronySockFeed({
        sink: sender,
        nmeaPath: tk.chrony.sockPath,
        ppsPath: tk.pps.kind === 'gpio' ? tk.chrony.ppsSockPath : null,
        delayS: () => calibration.delayS,
        layout: sockLayoutFor(tk.chrony.sockLayout),
        leap,
        arrivalCheck: arrival,
        log: log.child({ service: 'chrony-feed' }),
        store,
      })
    : null;
  const shm =
    tk.kind === 'ntpsec' && tk.ntpsec.driver === 'shm'
      ? new NtpShmWriter({ unit: tk.ntpsec.shmUnit, layout: tk.ntpsec.shmLayout, mode: tk.ntpsec.shmMode, log: log.child({ service: 'ntp-shm' }), store })
      : null;

  const onFix = (fix: Fix, trust: FixTrust): void => {
    const verdict = arrival.verdict(fix);
    calibration.onFix(fix, trust, verdict.ok);
    // A label whose whole second is unknown (core/label-pulse.ts) is measured, never sent.
    const sendable = { ...trust, timeValid: trust.timeValid && calibration.wholeSecondKnown };
    sock?.onFix(fix, sendable);
    if (shm) {
      if (verdict.ok) shm.writeFix(fix, sendable, calibration.delayS, leap(fix));
      else shm.skip();
    }
    if (!sock && !verdict.ok) {
      const a = arrival.stats();
      publishFeedStats(store, { stalledDropped: a.stalled, worstStallS: a.worstS });
    }
  };
  const onEdge = (edge: PulseRecord): void => {
    calibration.onPpsEdge(edge);
    // Only edges the daemon timestamps itself go to chrony; kernel PPS chronyd reads directly.
    if (tk.pps.kind === 'gpio') sock?.sendPulse(edge);
  };
  const reader = statusReaderFor(tk);
  const status = reader
    ? new TimekeeperStatusService({
        store,
        log: log.child({ service: 'timekeeper-status' }),
        clock: systemClock,
        reader,
        intervalS: tk.statusIntervalS,
        refclocks: liveRefclocksFor(config),
      })
    : null;
  status?.start();
  let current = source;
  current.on('fix', onFix);
  const unsubscribe = store.subscribe((next, prev) => {
    const edge = next.pps.lastEdge;
    if (edge && edge !== prev.pps.lastEdge) onEdge(edge);
  });
  return {
    calibration,
    attach(next) {
      current.off('fix', onFix);
      current = next;
      current.on('fix', onFix);
    },
    async stop() {
      current.off('fix', onFix);
      unsubscribe();
      status?.stop();
      await calibration.stop();
      shm?.close();
      sender?.close();
    },
  };
}

/**
 * chrony synchronised to something other than our own receiver: the system clock is a fair
 * reference, also for the whole second of the labels. Not our NMEA refclock, and not our PPS
 * either: `lock NMEA` takes its whole second from our labels.
 */
function clockDisciplinedElsewhere(store: ApplianceStore): boolean {
  const tk = store.snapshot.timekeeper;
  const ours = new Set([tk.refclocks?.nmeaRefId ?? 'NMEA', tk.refclocks?.ppsRefId ?? 'PPS']);
  return tk.synced === true && tk.sources.some((s) => s.state === 'selected' && !ours.has(s.name));
}
