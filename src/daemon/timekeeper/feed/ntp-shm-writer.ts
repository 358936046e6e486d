import { fullMemoryBarrier, type MemoryBarrier } from '../../../drivers/native/memory-barrier.js';
import { hostIsLittleEndian } from '../../../drivers/native/struct-layouts.js';
import { ShmAttachment, shmGet, shmInfo, shmRemove, type ShmSegmentInfo } from '../../../drivers/native/sysv-shm.js';
import { platformTimeBits } from '../../../drivers/native/time-bits.js';
import type { ApplianceStore } from '../../core/appliance-state.js';
import type { Fix } from '../../core/fix.js';
import { utcToUnixMs } from '../../core/utc-time.js';
import type { Logger } from '../../logger.js';
import { FailureLog } from './feed-failures.js';
import { publishFeedStats } from './feed-stats.js';
import {
  NTP_SHM_KEY_BASE,
  SHM_LAYOUTS,
  shmLayoutFor,
  shmLayoutFromSize,
  shmModeForUnit,
  type ShmLayout,
  type ShmLayoutSetting,
  type ShmModeSetting,
  type ShmSample,
  type ShmTimeLayout,
} from './shm-time.js';

export interface NtpShmWriterOptions {
  /** `refclock shm unit N` in ntp.conf. One unit per consumer: a reader clears `valid`. */
  unit: number;
  /**
   * 'auto' (default): an existing segment's size (80 bytes: time32, 96: time64) decides,
   * else the platform's time_t (drivers/native/time-bits.ts), never "no segment yet".
   * 'time32'/'time64' force it (`time64` is the native layout on a 64-bit host); 'lp64'
   * is accepted as the 64-bit host's name for time64.
   */
  layout?: ShmLayoutSetting | ShmLayout;
  /** Mode of a segment we create (shm-time.ts): '0600' (default) or '0660'. */
  mode?: ShmModeSetting;
  /** log2 s of the samples' precision; serial NMEA is good to about a millisecond. Default -10. */
  precision?: number;
  log: Logger;
  store?: ApplianceStore;
  /** Tests: the barrier and the segment lookup (defaults: membarrier(2), /proc/sysvipc/shm). */
  barrier?: MemoryBarrier | null;
  lookup?: (key: number) => ShmSegmentInfo | null;
  arch?: string;
}

export interface NtpShmWriterStats {
  writes: number;
  failures: number;
  skipped: number;
  lastError: string | null;
  layout: ShmLayout | null;
  /** Why that layout (existing segment, platform, configuration). */
  layoutReason: string | null;
  /** Permission bits of the attached segment, e.g. "0600". */
  segmentMode: string | null;
  /** The segment (created by someone else, e.g. ntpd first) is writable by any local user. */
  worldWritable: boolean;
  /** 'membarrier', or why the count/valid protocol runs without a CPU barrier. */
  barrier: string;
}

/**
 * Writes NMEA time into an NTP SHM segment (refclock_shm.c, mode 1): the segment is created
 * if ntpd has not yet, with the configured mode, and each sample goes in with the
 * count/valid protocol and a full memory barrier between its steps, so a reader that copies
 * while we write sees `count` change or `valid` clear and drops the copy. When the segment
 * cannot be had (a segment of another size, no permission) the failure is counted and the
 * attach retried at the next sample.
 */
export class NtpShmWriter {
  readonly unit: number;
  readonly key: number;
  readonly #o: NtpShmWriterOptions;
  readonly #arch: string;
  #segment: { id: number; mem: ShmAttachment; layout: ShmLayout } | null = null;
  readonly #failures: FailureLog;
  readonly #barrier: MemoryBarrier;
  readonly #stats: NtpShmWriterStats;

  constructor(o: NtpShmWriterOptions) {
    if (!Number.isInteger(o.unit) || o.unit < 0 || o.unit > 255) throw new RangeError(`NTP SHM unit must be 0-255, got ${o.unit}`);
    this.#o = o;
    this.#arch = o.arch ?? process.arch;
    this.unit = o.unit;
    this.key = NTP_SHM_KEY_BASE + o.unit;
    this.#failures = new FailureLog(o.log, `NTP SHM unit ${o.unit} sample`, `key 0x${this.key.toString(16)}`);
    let barrier: MemoryBarrier | null = null;
    let barrierNote = 'membarrier';
    if (o.barrier !== undefined) {
      barrier = o.barrier;
      if (barrier === null) barrierNote = 'none (disabled)';
    } else {
      try {
        barrier = fullMemoryBarrier();
      } catch (err) {
        barrierNote = `none: ${(err as Error).message}`;
        o.log.warn('no CPU memory barrier for NTP SHM writes: a reader on another core may, rarely, copy a half-written sample', { error: (err as Error).message });
      }
    }
    this.#barrier = barrier ?? (() => undefined);
    this.#stats = { writes: 0, failures: 0, skipped: 0, lastError: null, layout: null, layoutReason: null, segmentMode: null, worldWritable: false, barrier: barrierNote };
  }

  get layout(): ShmLayout | null {
    return this.#segment?.layout ?? null;
  }

  /** The segment id once attached (for tests and `ipcs`), else null. */
  get segmentId(): number | null {
    return this.#segment?.id ?? null;
  }

  stats(): NtpShmWriterStats {
    return { ...this.#stats };
  }

  /**
   * Same scheme as the SOCK feed: clock = label + delay, receive = arrival. `leap` is the NTP
   * leap indicator for the label's day (core/leap-indicator.ts).
   */
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

  /** Counts an epoch the feed decided not to write (e.g. a stalled arrival stamp). */
  skip(): void {
    this.#stats.skipped++;
  }

  write(s: ShmSample): boolean {
    try {
      const seg = this.#attach();
      writeShmSample(seg.mem.view, SHM_LAYOUTS[seg.layout], s, this.#barrier);
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

  #attach(): { id: number; mem: ShmAttachment; layout: ShmLayout } {
    if (this.#segment) return this.#segment;
    const lookup = this.#o.lookup ?? ((k: number) => shmInfo(k));
    const existing = lookup(this.key);
    const { layout, reason } = this.#resolveLayout(existing);
    const size = SHM_LAYOUTS[layout].size;
    if (existing && existing.size !== size) {
      // shmget refuses a smaller one (EINVAL); a larger one would be read with another layout.
      throw new Error(`NTP SHM unit ${this.unit} exists with ${existing.size} bytes, but layout ${layout} needs ${size}: another time_t width (set timekeeper.ntpsec.shmLayout)`);
    }
    const id = shmGet(this.key, size, { create: true, mode: shmModeForUnit(this.unit, this.#o.mode) });
    const mem = ShmAttachment.attach(id, size);
    const info = lookup(this.key);
    this.#segment = { id, mem, layout };
    this.#stats.layout = layout;
    this.#stats.layoutReason = reason;
    this.#stats.segmentMode = info ? `0${info.mode.toString(8).padStart(3, '0')}` : null;
    this.#stats.worldWritable = info !== null && (info.mode & 0o002) !== 0;
    this.#o.log.info('NTP SHM segment attached', { unit: this.unit, layout, reason, mode: this.#stats.segmentMode, created: existing === null });
    if (this.#stats.worldWritable) {
      this.#o.log.warn('NTP SHM segment is writable by every local user (ntpd created it before stratum1d): restart ntpd after stratum1d, or remove it with ipcrm', { unit: this.unit, mode: this.#stats.segmentMode });
    }
    return this.#segment;
  }

  #resolveLayout(existing: ShmSegmentInfo | null): { layout: ShmLayout; reason: string } {
    const want = this.#o.layout ?? 'auto';
    if (want === 'lp64' || want === 'time32' || want === 'time64') {
      const layout = want === 'time64' ? shmLayoutFor(64, this.#arch) : want;
      return { layout, reason: `configured (${want})` };
    }
    if (existing) {
      const fromSize = shmLayoutFromSize(existing.size, this.#arch);
      if (fromSize) return { layout: fromSize, reason: `existing segment of ${existing.size} bytes` };
    }
    const tb = platformTimeBits(this.#arch);
    return { layout: shmLayoutFor(tb.bits, this.#arch), reason: `platform: ${tb.why}` };
  }

  #publish(): void {
    const s = this.#stats;
    if (this.#o.store) {
      publishFeedStats(this.#o.store, {
        shmWrites: s.writes,
        lastError: s.lastError,
        shm: { layout: s.layout, layoutReason: s.layoutReason, mode: s.segmentMode, worldWritable: s.worldWritable, barrier: s.barrier },
      });
    }
  }
}

/** The stores writeShmSample makes; a DataView over the segment in production. */
export interface ShmStores {
  setInt32(byteOffset: number, value: number, littleEndian?: boolean): void;
  setUint32(byteOffset: number, value: number, littleEndian?: boolean): void;
  setBigInt64(byteOffset: number, value: bigint, littleEndian?: boolean): void;
  getInt32(byteOffset: number, littleEndian?: boolean): number;
}

/**
 * mode 1 protocol (refclock_shm.c shm_query reads valid, count, copies, clears valid, and
 * drops the copy when count moved): valid = 0, count++, payload, count++, valid = 1, with a
 * full barrier after each step so no CPU sees a later store before an earlier one. The
 * microsecond fields are the *truncated* nanoseconds, as ntpd requires.
 */
export function writeShmSample(v: ShmStores, l: ShmTimeLayout, s: ShmSample, barrier: MemoryBarrier): void {
  const le = hostIsLittleEndian;
  const o = l.offset;
  if (l.timeBytes === 4 && (s.clockSec > 2 ** 31 - 1 || s.receiveSec > 2 ** 31 - 1)) {
    throw new RangeError(`NTP SHM: ${Math.max(s.clockSec, s.receiveSec)} does not fit a 32-bit time_t`);
  }
  v.setInt32(o.valid, 0, le);
  barrier();
  v.setInt32(o.count, (v.getInt32(o.count, le) + 1) | 0, le);
  barrier();
  v.setInt32(o.mode, 1, le);
  const setTime = (at: number, sec: number): void => {
    if (l.timeBytes === 8) v.setBigInt64(at, BigInt(sec), le);
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
  barrier();
  v.setInt32(o.count, (v.getInt32(o.count, le) + 1) | 0, le);
  barrier();
  v.setInt32(o.valid, 1, le);
}
