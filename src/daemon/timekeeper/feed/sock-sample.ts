import { hostIsLittleEndian } from '../../../drivers/native/struct-layouts.js';
import { platformTimeBits } from '../../../drivers/native/time-bits.js';

/**
 * chrony's SOCK refclock message, `struct sock_sample` in chrony's refclock_sock.c:
 *
 *   struct timeval tv;   system time of the measurement
 *   double offset;       true time minus system time at `tv`, seconds (see below for pulses)
 *   int pulse;           non-zero: a PPS edge, the whole second comes from another source
 *   int leap;            0 normal, 1 insert, 2 delete a leap second
 *   int _pad;
 *   int magic;           0x534f434b ("SOCK")
 *
 * chronyd drops a datagram whose length is not sizeof(struct sock_sample) as *it* was
 * compiled, so the `struct timeval` width must match the chronyd binary:
 * - 'lp64': arm64 and x64; tv_sec and tv_usec are 64-bit: 40 bytes.
 * - 'time32': armhf with 32-bit time_t (Debian bookworm, Raspberry Pi OS bookworm 32-bit,
 *   chrony 4.3): 8-byte timeval, 32 bytes. Breaks in 2038 (we refuse to encode then).
 * - 'time64': armhf after Debian trixie's 64-bit time_t transition (_TIME_BITS=64: both
 *   tv_sec and tv_usec become 64-bit): 40 bytes, the same bytes as 'lp64'.
 *
 * chrony 4.4 and later on 32-bit glibc (>= 2.34) accept either timeval width and convert
 * (chrony commit "refclock: convert mismatched timeval in SOCK messages"), chrony 4.3 does
 * not. `timekeeper.chrony.sockLayout: auto` follows the platform's time_t
 * (drivers/native/time-bits.ts): 'time64' where the distribution builds chronyd with a
 * 64-bit time_t (Debian 13 trixie ships chrony 4.6), 'time32' where it does not (Debian 12,
 * chrony 4.3), which every chronyd there understands.
 */
export type SockLayout = 'lp64' | 'time32' | 'time64';

export const SOCK_MAGIC = 0x534f434b;

export interface SockSample {
  /** System time of the measurement, whole seconds and microseconds (0..999999). */
  tvSec: number;
  tvUsec: number;
  offset: number;
  pulse: boolean;
  leap: 0 | 1 | 2;
}

interface Fields {
  size: number;
  timeBytes: 4 | 8;
  offset: number; // of `double offset`; pulse, leap, _pad and magic follow it, 4 bytes each
}

const FIELDS: Record<SockLayout, Fields> = {
  lp64: { size: 40, timeBytes: 8, offset: 16 },
  time64: { size: 40, timeBytes: 8, offset: 16 },
  time32: { size: 32, timeBytes: 4, offset: 8 },
};

export function sockSampleSize(layout: SockLayout): number {
  return FIELDS[layout].size;
}

/** Member offsets, for the test that holds them against the C compiler. */
export function sockSampleOffsets(layout: SockLayout): Record<'tv' | 'offset' | 'pulse' | 'leap' | '_pad' | 'magic', number> {
  const o = FIELDS[layout].offset;
  return { tv: 0, offset: o, pulse: o + 8, leap: o + 12, _pad: o + 16, magic: o + 20 };
}

export type SockLayoutSetting = 'auto' | 'time32' | 'time64';

/** The layout for a setting: 'auto' is the platform's time_t; 'time64' on a 64-bit host is 'lp64' (same bytes). */
export function sockLayoutFor(setting: SockLayoutSetting = 'auto', arch: string = process.arch, osRelease?: string | null): SockLayout {
  const wide = arch !== 'arm' && arch !== 'ia32';
  if (wide) return 'lp64';
  if (setting === 'time32' || setting === 'time64') return setting;
  return platformTimeBits(arch, osRelease).bits === 64 ? 'time64' : 'time32';
}

/** The layout of this platform (see above). */
export function defaultSockLayout(arch: string = process.arch, osRelease?: string | null): SockLayout {
  return sockLayoutFor('auto', arch, osRelease);
}

const INT32_MAX = 2 ** 31 - 1;

/** Host byte order, as chronyd reads it with recv() into the struct. Throws RangeError on values the layout cannot hold. */
export function encodeSockSample(s: SockSample, layout: SockLayout, out?: Uint8Array): Uint8Array {
  const f = FIELDS[layout];
  if (!Number.isSafeInteger(s.tvSec) || !Number.isInteger(s.tvUsec) || s.tvUsec < 0 || s.tvUsec > 999_999) {
    throw new RangeError(`sock_sample: bad timeval ${s.tvSec}.${s.tvUsec}`);
  }
  if (f.timeBytes === 4 && (s.tvSec > INT32_MAX || s.tvSec < -INT32_MAX - 1)) {
    throw new RangeError(`sock_sample: ${s.tvSec} does not fit a 32-bit time_t (use the 'time64' layout)`);
  }
  if (!Number.isFinite(s.offset)) throw new RangeError(`sock_sample: offset ${s.offset} is not finite`);
  const bytes = out ?? new Uint8Array(f.size);
  if (bytes.length !== f.size) throw new RangeError(`sock_sample: buffer of ${bytes.length} bytes, need ${f.size}`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = hostIsLittleEndian;
  if (f.timeBytes === 8) {
    v.setBigInt64(0, BigInt(s.tvSec), le);
    v.setBigInt64(8, BigInt(s.tvUsec), le);
  } else {
    v.setInt32(0, s.tvSec, le);
    v.setInt32(4, s.tvUsec, le);
  }
  const o = f.offset;
  v.setFloat64(o, s.offset, le);
  v.setInt32(o + 8, s.pulse ? 1 : 0, le);
  v.setInt32(o + 12, s.leap, le);
  v.setInt32(o + 16, 0, le);
  v.setInt32(o + 20, SOCK_MAGIC, le);
  return bytes;
}

/** The inverse, for tests and the benchmark's stand-in chronyd. Null when length or magic are wrong. */
export function decodeSockSample(bytes: Uint8Array, layout: SockLayout): SockSample | null {
  const f = FIELDS[layout];
  if (bytes.length !== f.size) return null;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = hostIsLittleEndian;
  const o = f.offset;
  if (v.getInt32(o + 20, le) !== SOCK_MAGIC) return null;
  const leap = v.getInt32(o + 12, le);
  return {
    tvSec: f.timeBytes === 8 ? Number(v.getBigInt64(0, le)) : v.getInt32(0, le),
    tvUsec: f.timeBytes === 8 ? Number(v.getBigInt64(8, le)) : v.getInt32(4, le),
    offset: v.getFloat64(o, le),
    pulse: v.getInt32(o + 8, le) !== 0,
    leap: leap === 1 || leap === 2 ? leap : 0,
  };
}

/** Splits wall-clock ms (Date.now(), possibly fractional) into a timeval, flooring as the kernel does. */
export function msToTimeval(ms: number): { tvSec: number; tvUsec: number } {
  const totalUs = Math.floor(ms * 1000);
  const tvSec = Math.floor(totalUs / 1_000_000);
  return { tvSec, tvUsec: totalUs - tvSec * 1_000_000 };
}
