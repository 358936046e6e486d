/**
 * `struct shmTime`, the NTP shared-memory refclock segment as ntpd's refclock_shm.c (ntpsec
 * and classic ntp) and chrony's refclock_shm.c read it:
 *
 *   int mode; volatile int count;
 *   time_t clockTimeStampSec; int clockTimeStampUSec;     the reference ("true") time
 *   time_t receiveTimeStampSec; int receiveTimeStampUSec; system time it was taken
 *   int leap; int precision; int nsamples; volatile int valid;
 *   unsigned clockTimeStampNSec; unsigned receiveTimeStampNSec; int dummy[8];
 *
 * ntpd computes offset = clock - receive (+ fudge time1), so, as with our SOCK samples,
 * clock = label + calibrated delay and receive = the epoch's arrival, and `time1` stays 0.
 *
 * Layouts: 'lp64' (arm64, x64: 8-byte time_t aligned to 8, 96 bytes), 'time32' (armhf with
 * 32-bit time_t, Debian bookworm and older: 80 bytes), 'time64' (armhf after Debian
 * trixie's 64-bit time_t transition: int64 aligned to 8 on ARM EABI, same 96 bytes as lp64).
 * The writer must match ntpd's build: an existing segment that is smaller than we ask for
 * makes shmget fail with EINVAL.
 */
export type ShmLayout = 'lp64' | 'time32' | 'time64';

export type ShmField =
  | 'mode'
  | 'count'
  | 'clockTimeStampSec'
  | 'clockTimeStampUSec'
  | 'receiveTimeStampSec'
  | 'receiveTimeStampUSec'
  | 'leap'
  | 'precision'
  | 'nsamples'
  | 'valid'
  | 'clockTimeStampNSec'
  | 'receiveTimeStampNSec'
  | 'dummy';

export interface ShmTimeLayout {
  size: number;
  timeBytes: 4 | 8;
  offset: Record<ShmField, number>;
}

function layoutOf(timeBytes: 4 | 8): ShmTimeLayout {
  const wide = timeBytes === 8;
  // With an 8-byte time_t each `int` after a time_t is followed by 4 bytes of padding.
  const clockSec = 8;
  const clockUSec = clockSec + timeBytes;
  const receiveSec = wide ? 24 : 16;
  const receiveUSec = receiveSec + timeBytes;
  const leap = receiveUSec + 4;
  const dummy = leap + 24;
  const end = dummy + 32;
  return {
    size: wide ? Math.ceil(end / 8) * 8 : end,
    timeBytes,
    offset: {
      mode: 0,
      count: 4,
      clockTimeStampSec: clockSec,
      clockTimeStampUSec: clockUSec,
      receiveTimeStampSec: receiveSec,
      receiveTimeStampUSec: receiveUSec,
      leap,
      precision: leap + 4,
      nsamples: leap + 8,
      valid: leap + 12,
      clockTimeStampNSec: leap + 16,
      receiveTimeStampNSec: leap + 20,
      dummy,
    },
  };
}

export const SHM_LAYOUTS: Record<ShmLayout, ShmTimeLayout> = {
  lp64: layoutOf(8),
  time64: layoutOf(8),
  time32: layoutOf(4),
};

/** 0x4e545030 is "NTP0"; unit N uses key + N (refclock_shm.c). */
export const NTP_SHM_KEY_BASE = 0x4e545030;

/** Units 0 and 1 are root-only (0600); ntpd creates the others world-writable (0666). */
export function shmModeForUnit(unit: number): number {
  return unit < 2 ? 0o600 : 0o666;
}

export function defaultShmLayout(arch: string = process.arch): ShmLayout {
  return arch === 'arm' || arch === 'ia32' ? 'time32' : 'lp64';
}

/** One sample: both instants as seconds + nanoseconds since the Unix epoch. */
export interface ShmSample {
  clockSec: number;
  clockNsec: number;
  receiveSec: number;
  receiveNsec: number;
  leap: 0 | 1 | 2 | 3; // NTP leap indicator: 0 none, 1 insert, 2 delete, 3 unsynchronised
  /** log2 seconds, e.g. -10 (about 1 ms) for serial NMEA. */
  precision: number;
}
