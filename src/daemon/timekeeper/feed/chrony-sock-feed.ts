import type { DatagramSink } from '../../../drivers/native/unix-datagram-sender.js';
import type { PpsEdge } from '../../../drivers/pps/pps-source.js';
import type { ApplianceStore } from '../../core/appliance-state.js';
import type { Fix } from '../../core/fix.js';
import { utcToUnixMs } from '../../core/utc-time.js';
import type { Logger } from '../../logger.js';
import type { ArrivalCheck } from './arrival-check.js';
import { FailureLog } from './feed-failures.js';
import { publishFeedStats } from './feed-stats.js';
import { defaultSockLayout, encodeSockSample, msToTimeval, type SockLayout } from './sock-sample.js';

export interface ChronySockFeedOptions {
  sink: DatagramSink;
  /** Socket of the NMEA `refclock SOCK` (chronyd creates it). */
  nmeaPath: string;
  /** Socket of the PPS `refclock SOCK ... lock NMEA`; null when chronyd reads /dev/ppsN itself. */
  ppsPath?: string | null;
  layout?: SockLayout;
  /** The calibrated delay of the NMEA label after the instant it names, seconds. */
  delayS: () => number;
  /** The leap indicator for this epoch's label (core/leap-indicator.ts): 0 none, 1 insert, 2 delete. */
  leap?: (fix: Fix) => 0 | 1 | 2;
  /** Drops epochs whose arrival stamp a stall made late (arrival-check.ts); absent: every epoch is sent. */
  arrivalCheck?: ArrivalCheck;
  log: Logger;
  /** When given, counters are published into `timekeeper.feed`. */
  store?: ApplianceStore;
}

export interface ChronySockFeedStats {
  sockSent: number;
  sockFailed: number;
  ppsSent: number;
  ppsFailed: number;
  /** Epochs not sent: not time-valid, no time label, or a leap second (23:59:60 has no POSIX time). */
  skipped: number;
  /** Of those, epochs dropped because their arrival stamp disagreed with the recent ones (a stall). */
  stalledDropped: number;
  lastError: string | null;
}

/**
 * Feeds chronyd's SOCK refclocks (chrony.conf(5) `refclock SOCK`, message format in
 * chrony's refclock_sock.c).
 *
 * One offset scheme, used here and in the NTP SHM writer: the *sample* carries the
 * calibrated delay, so chronyd receives "true time minus system time" directly:
 *
 *   tv     = system time the epoch's first sentence arrived (Fix.receivedAt)
 *   offset = (label + delay) - tv
 *
 * and the rendered `refclock SOCK <path> refid NMEA` line must carry `offset 0` (or none):
 * chronyd *adds* its configured `offset` to every sample (refclock.c), so a calibrated value
 * there too would count the delay twice. Keeping the correction in the samples lets a new
 * calibration take effect at the next epoch without restarting chronyd.
 *
 * No start-order dependence: a missing (ENOENT) or dead (ECONNREFUSED) socket, or a full
 * queue (EAGAIN), is counted and retried at the next epoch; each datagram is addressed
 * afresh, so a restarted chronyd gets the very next one.
 */
export class ChronySockFeed {
  readonly #o: ChronySockFeedOptions;
  readonly #layout: SockLayout;
  readonly #nmeaFailures: FailureLog;
  readonly #ppsFailures: FailureLog;
  readonly #stats: ChronySockFeedStats = { sockSent: 0, sockFailed: 0, ppsSent: 0, ppsFailed: 0, skipped: 0, stalledDropped: 0, lastError: null };

  constructor(o: ChronySockFeedOptions) {
    this.#o = o;
    this.#layout = o.layout ?? defaultSockLayout();
    this.#nmeaFailures = new FailureLog(o.log, 'chrony NMEA SOCK sample', o.nmeaPath);
    this.#ppsFailures = new FailureLog(o.log, 'chrony PPS SOCK sample', o.ppsPath ?? '-');
  }

  get layout(): SockLayout {
    return this.#layout;
  }

  stats(): ChronySockFeedStats {
    return { ...this.#stats };
  }

  /** Call for every epoch (GnssService 'fix'); returns whether a sample went out. */
  onFix(fix: Fix, trust: { timeValid: boolean }): boolean {
    const t = fix.time;
    if (!trust.timeValid || t === null || t.second === 60 || !Number.isFinite(fix.receivedAt)) {
      this.#stats.skipped++;
      return false;
    }
    const arrival = this.#o.arrivalCheck?.verdict(fix);
    if (arrival && !arrival.ok) {
      this.#stats.skipped++;
      if (arrival.reason === 'stalled') this.#stats.stalledDropped++;
      this.#publish();
      return false;
    }
    const tv = msToTimeval(fix.receivedAt);
    const tvMs = tv.tvSec * 1000 + tv.tvUsec / 1000;
    const offset = (utcToUnixMs(t) - tvMs) / 1000 + this.#o.delayS();
    return this.#send(this.#o.nmeaPath, { ...tv, offset, pulse: false, leap: this.#o.leap?.(fix) ?? 0 }, false);
  }

  /**
   * A PPS edge the daemon timestamped itself (GPIO path), for `refclock SOCK <pps> lock NMEA`.
   * For pulse samples chronyd hands `offset` to RCL_AddPulse as the edge's position within
   * the second and negates it (as refclock_pps.c passes the edge's tv_nsec), so the value
   * is +(fractional second of the edge's system timestamp), not -(...): an edge stamped
   * 20 ms after the top of the second means the system clock is 20 ms ahead, and
   * `chronyc sources` shows +20ms (checked against chronyd 4.3 in
   * test/integration/chronyd-sock.test.ts). tv carries the edge to the microsecond; the
   * offset keeps its nanoseconds.
   */
  sendPulse(edge: PpsEdge): boolean {
    const path = this.#o.ppsPath;
    if (!path) return false;
    if (!Number.isSafeInteger(edge.sec) || !(edge.nsec >= 0 && edge.nsec < 1e9)) {
      this.#stats.skipped++;
      return false;
    }
    const sample = { tvSec: edge.sec, tvUsec: Math.floor(edge.nsec / 1000), offset: edge.nsec / 1e9, pulse: true, leap: 0 as const };
    return this.#send(path, sample, true);
  }

  #send(path: string, sample: Parameters<typeof encodeSockSample>[0], pulse: boolean): boolean {
    const failures = pulse ? this.#ppsFailures : this.#nmeaFailures;
    try {
      this.#o.sink.send(path, encodeSockSample(sample, this.#layout));
    } catch (err) {
      if (pulse) this.#stats.ppsFailed++;
      else this.#stats.sockFailed++;
      failures.failed(err);
      this.#stats.lastError = failures.lastError;
      this.#publish();
      return false;
    }
    if (pulse) this.#stats.ppsSent++;
    else this.#stats.sockSent++;
    failures.succeeded();
    if (!this.#nmeaFailures.down && !this.#ppsFailures.down) this.#stats.lastError = null;
    this.#publish();
    return true;
  }

  #publish(): void {
    const s = this.#stats;
    if (this.#o.store) {
      const check = this.#o.arrivalCheck?.stats();
      publishFeedStats(this.#o.store, {
        sockSent: s.sockSent,
        sockFailed: s.sockFailed + s.ppsFailed,
        ppsSent: s.ppsSent,
        lastError: s.lastError,
        ...(check ? { stalledDropped: check.stalled, worstStallS: check.worstS } : {}),
      });
    }
  }
}
