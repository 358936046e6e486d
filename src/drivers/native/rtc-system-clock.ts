import { allocNative, koffi, libcFunction, type NativePointer } from './libc.js';
import { NativeError } from './native-error.js';
import { wordSizeOf } from './struct-layouts.js';

/**
 * The system clock, as the RTC service needs it: is it synchronised (adjtimex(2) with
 * modes = 0, a pure read), and a way to set it (clock_settime(2), CAP_SYS_TIME). The setter
 * is only ever reached through the {@link SystemClockSetter} interface, so tests inject a fake;
 * no test calls {@link clockSettimeSetter}.
 */
export interface SystemClockSetter {
  setTime(utcMs: number): Promise<void>;
}

export interface ClockSyncProbe {
  /** True when the kernel says the clock is not synchronised (STA_UNSYNC / TIME_ERROR). */
  unsynchronised(): boolean;
}

/** adjtimex(2) return value TIME_ERROR: STA_UNSYNC or STA_CLOCKERR set (<sys/timex.h>). */
export const TIME_ERROR = 5;
/**
 * Room for struct timex on every ABI (208 bytes on LP64; glibc's 64-bit-time variant on armhf
 * is of the same order; the test checks sizeof against the headers). `modes` is the first
 * member on all of them, so zeroing the block makes the call read-only.
 */
export const TIMEX_BUFFER = 256;

export const adjtimexProbe: ClockSyncProbe = {
  unsynchronised(): boolean {
    const buf = allocNative(TIMEX_BUFFER);
    try {
      buf.bytes.fill(0);
      const adjtimex = libcFunction<(p: NativePointer) => number>('int adjtimex(void *buf)');
      const state = adjtimex(buf.pointer);
      if (state < 0) throw new NativeError('adjtimex', koffi().errno());
      return state === TIME_ERROR;
    } finally {
      buf.free();
    }
  },
};

/**
 * struct timespec with a 64-bit tv_sec: the native one on LP64; on 32-bit glibc (armhf) the
 * `__clock_settime64` entry point takes the same 16 bytes (tv_sec int64, tv_nsec in the low
 * half of the next 8, the rest zero), which keeps this right past 2038.
 */
export function encodeTimespec64(utcMs: number, view: DataView): void {
  const sec = Math.floor(utcMs / 1000);
  view.setBigInt64(0, BigInt(sec), true);
  view.setBigInt64(8, BigInt(Math.round((utcMs - sec * 1000) * 1e6)), true);
}

export const CLOCK_REALTIME = 0;

export const clockSettimeSetter: SystemClockSetter = {
  async setTime(utcMs: number): Promise<void> {
    const block = allocNative(16);
    try {
      encodeTimespec64(utcMs, block.view);
      const name = wordSizeOf(process.arch) === 8 ? 'clock_settime' : '__clock_settime64';
      const fn = libcFunction<(id: number, ts: NativePointer) => number>(`int ${name}(int clk, const void *ts)`);
      if (fn(CLOCK_REALTIME, block.pointer) < 0) throw new NativeError('clock_settime', koffi().errno());
    } finally {
      block.free();
    }
  },
};
