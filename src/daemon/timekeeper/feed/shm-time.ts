import { platformTimeBits } from '../../../drivers/native/time-bits.js';

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

/**
 * Who may write the segment we create. ntpd (refclock_shm.c) creates units >= 2 world-writable
 * (0666) unless its `mode 1` bit is set: any local user could then feed ntpd time. We never
 * create it so:
 * - '0600' (default): only the stratum1d user. Enough for ntpsec as Debian runs it: ntpd
 *   reads its configuration and attaches the refclock segments as root, before it drops to
 *   ntpsec:ntpsec (ntpd.c: readconfig() precedes sandbox()), and root's CAP_IPC_OWNER
 *   passes any mode; the attachment stays valid after the drop.
 * - '0660': also the daemon's primary group, `stratum1d` under the shipped unit, for an ntpd
 *   that attaches after dropping root (its once-a-second retry when the first attach failed):
 *   add its user to that group (`usermod -aG stratum1d ntpsec`).
 * Units 0 and 1 are always 0600, as ntpd makes them. A segment that exists already (ntpd
 * started first) keeps its own mode; a world-writable one is reported (feed status, alarm).
 */
export type ShmModeSetting = '0600' | '0660';

export function shmModeForUnit(unit: number, setting: ShmModeSetting = '0600'): number {
  return unit < 2 || setting === '0600' ? 0o600 : 0o660;
}

/** The layout names of the configuration: `time64` means the native 64-bit layout on a 64-bit host. */
export type ShmLayoutSetting = 'auto' | 'time32' | 'time64';

export function shmLayoutFor(timeBits: 32 | 64, arch: string = process.arch): ShmLayout {
  if (arch !== 'arm' && arch !== 'ia32') return 'lp64';
  return timeBits === 64 ? 'time64' : 'time32';
}

/** An existing segment tells its creator's layout by its size: 80 bytes time32, 96 time64/lp64. */
export function shmLayoutFromSize(size: number, arch: string = process.arch): ShmLayout | null {
  if (size === SHM_LAYOUTS.time32.size) return 'time32';
  if (size === SHM_LAYOUTS.time64.size) return shmLayoutFor(64, arch);
  return null;
}

/** The platform's layout (drivers/native/time-bits.ts): what a freshly built ntpd here uses. */
export function defaultShmLayout(arch: string = process.arch, osRelease?: string | null): ShmLayout {
  return shmLayoutFor(platformTimeBits(arch, osRelease).bits, arch);
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
