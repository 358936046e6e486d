import { isNativeError } from '../../../drivers/native/native-error.js';
import { hostIsLittleEndian } from '../../../drivers/native/struct-layouts.js';
import { ShmAttachment, shmGet, shmRemove } from '../../../drivers/native/sysv-shm.js';
import type { ApplianceStore } from '../../core/appliance-state.js';
import type { Fix } from '../../core/fix.js';
import { utcToUnixMs } from '../../core/utc-time.js';
import type { Logger } from '../../logger.js';
import { FailureLog } from './feed-failures.js';
import { publishFeedStats } from './feed-stats.js';
import { defaultShmLayout, NTP_SHM_KEY_BASE, SHM_LAYOUTS, shmModeForUnit, type ShmLayout, type ShmSample } from './shm-time.js';

export interface NtpShmWriterOptions {
  /** `refclock shm unit N` in ntp.conf. One unit per consumer: a reader clears `valid`. */
  unit: number;
  /** 'auto': the process ABI; on armhf, probe an existing segment's size (80: time32, 96: time64). */
  layout?: ShmLayout | 'auto';
  /** log2 s of the samples' precision; serial NMEA is good to about a millisecond. Default -10. */
  precision?: number;
  log: Logger;
  store?: ApplianceStore;
}

export interface NtpShmWriterStats {
  writes: number;
  failures: number;
  skipped: number;
  lastError: string | null;
}

/**
 * Writes NMEA time into an NTP SHM segment (refclock_shm.c, mode 1): the segment is created
 * if ntpd has not yet, with ntpd's permissions for the unit, and each sample goes in with
 * the count/valid protocol, so a reader that copies while we write sees `count` change
 * and drops the copy. When the segment cannot be had (a segment of another size, no
 * permission) the failure is counted and the attach retried at the next sample.
 */
export class NtpShmWriter {
  readonly unit: number;
  readonly key: number;
  readonly #o: NtpShmWriterOptions;
  #layout: ShmLayout | null = null;
  #segment: { id: number; mem: ShmAttachment } | null = null;
  readonly #failures: FailureLog;
  readonly #stats: NtpShmWriterStats = { writes: 0, failures: 0, skipped: 0, lastError: null };

  constructor(o: NtpShmWriterOptions) {
    if (!Number.isInteger(o.unit) || o.unit < 0 || o.unit > 255) throw new RangeError(`NTP SHM unit must be 0-255, got ${o.unit}`);
    this.#o = o;
    this.unit = o.unit;
    this.key = NTP_SHM_KEY_BASE + o.unit;
    this.#failures = new FailureLog(o.log, `NTP SHM unit ${o.unit} sample`, `key 0x${this.key.toString(16)}`);
  }

  get layout(): ShmLayout | null {
    return this.#layout;
  }

  /** The segment id once attached (for tests and `ipcs`), else null. */
  get segmentId(): number | null {
    return this.#segment?.id ?? null;
  }

  stats(): NtpShmWriterStats {
    return { ...this.#stats };
  }

  /** Same scheme as the SOCK feed: clock = label + delay, receive = arrival. */
  writeFix(fix: Fix, trust: { timeValid: boolean }, delayS: number, leap: 0 | 1 | 2 = 0): boolean {
    const t = fix.time;
    if (!trust.timeValid || t === null || t.second === 60 || !Number.isFinite(fix.receivedAt) || !Number.isFinite(delayS)) {
      this.#stats.skipped++;
      return false;
    }
    const clockNs = BigInt(utcToUnixMs(t)) * 1_000_000n + BigInt(Math.round(delayS * 1e9));
    const receiveNs = BigInt(Math.round(fix.receivedAt * 1e6));
    const split = (ns: bigint): [number, number] => [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];
    const [clockSec, clockNsec] = split(clockNs);
    const [receiveSec, receiveNsec] = split(receiveNs);
    return this.write({ clockSec, clockNsec, receiveSec, receiveNsec, leap, precision: this.#o.precision ?? -10 });
  }

  write(s: ShmSample): boolean {
    try {
      const seg = this.#attach();
      store(seg.mem, SHM_LAYOUTS[this.#layout ?? 'lp64'], s);
    } catch (err) {
      this.#stats.failures++;
      this.#failures.failed(err);
      this.#stats.lastError = this.#failures.lastError;
      this.#publish();
      return false;
    }
    this.#stats.writes++;
    this.#stats.lastError = null;
    this.#failures.succeeded();
    this.#publish();
    return true;
  }

  /** Detaches; with `remove`, also marks the segment for deletion (tests; ntpd would recreate it). */
  close(remove = false): void {
    const seg = this.#segment;
    this.#segment = null;
    if (!seg) return;
    seg.mem.detach();
    if (remove) shmRemove(seg.id);
  }

  #attach(): { id: number; mem: ShmAttachment } {
    if (this.#segment) return this.#segment;
    const layout = this.#layout ?? this.#resolveLayout();
    const size = SHM_LAYOUTS[layout].size;
    const id = shmGet(this.key, size, { create: true, mode: shmModeForUnit(this.unit) });
    const mem = ShmAttachment.attach(id, size);
    this.#layout = layout;
    this.#segment = { id, mem };
    return this.#segment;
  }

  #resolveLayout(): ShmLayout {
    const want = this.#o.layout ?? 'auto';
    if (want !== 'auto') return want;
    const own = defaultShmLayout();
    if (own === 'lp64') return own;
    // 32-bit: an existing segment (ntpd started first) tells us ntpd's time_t by its size.
    try {
      shmGet(this.key, SHM_LAYOUTS.time64.size, { create: false, mode: 0 });
      return 'time64';
    } catch (err) {
      return isNativeError(err, 'EINVAL') ? 'time32' : own;
    }
  }

  #publish(): void {
    if (this.#o.store) publishFeedStats(this.#o.store, { shmWrites: this.#stats.writes, lastError: this.#stats.lastError });
  }
}

/**
 * mode 1 protocol (refclock_shm.c shm_query): clear valid, bump count, write, bump count,
 * set valid. count and valid go through Atomics so they are not reordered around the
 * payload; the microsecond fields are the *truncated* nanoseconds, as ntpd requires.
 */
function store(mem: ShmAttachment, l: (typeof SHM_LAYOUTS)[ShmLayout], s: ShmSample): void {
  const v = mem.view;
  const le = hostIsLittleEndian;
  const o = l.offset;
  const w = mem.words;
  Atomics.store(w, o.valid / 4, 0);
  Atomics.add(w, o.count / 4, 1);
  v.setInt32(o.mode, 1, le);
  const setTime = (at: number, sec: number): void => {
    if (l.timeBytes === 8) v.setBigInt64(at, BigInt(sec), le);
    else if (sec > 2 ** 31 - 1) throw new RangeError(`NTP SHM: ${sec} does not fit a 32-bit time_t`);
    else v.setInt32(at, sec, le);
  };
  setTime(o.clockTimeStampSec, s.clockSec);
  v.setInt32(o.clockTimeStampUSec, Math.floor(s.clockNsec / 1000), le);
  setTime(o.receiveTimeStampSec, s.receiveSec);
  v.setInt32(o.receiveTimeStampUSec, Math.floor(s.receiveNsec / 1000), le);
  v.setUint32(o.clockTimeStampNSec, s.clockNsec, le);
  v.setUint32(o.receiveTimeStampNSec, s.receiveNsec, le);
  v.setInt32(o.leap, s.leap, le);
  v.setInt32(o.precision, s.precision, le);
  Atomics.add(w, o.count / 4, 1);
  Atomics.store(w, o.valid / 4, 1);
}
