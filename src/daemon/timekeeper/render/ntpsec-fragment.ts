import type { Config } from '../../../config/schema.js';
import { formatSeconds, headerLines, isSafeToken, usableOffset } from './format.js';
import { ppsRefclockDevice } from './pps-refclock-device.js';
import type { RenderFacts, RenderNote, Rendered } from './render-types.js';

/** ntpd's refclock drivers this fragment may use, by the name `ntpd --help` lists them under. */
export const NTPSEC_DRIVER_NAMES = { shm: 'SHM', pps: 'PPS', gpsd: 'GPSD' } as const;

/**
 * An ntp.conf fragment for ntpsec 1.2 (`refclock NAME unit N option...`, ntpsec's
 * refclock.adoc / driver_shm / driver_pps / driver_gpsd):
 * - `refclock shm unit N refid GPS time1 O prefer`: stratum1d writes the NMEA time into the SysV
 *   segment 0x4e545030+N with the label delay already corrected; `time1` (added to every
 *   sample) stays 0. Units 0-1 are root-only.
 * - `refclock pps unit K`: the kernel PPS device /dev/ppsK (a `path` option names any other).
 *   ntpd's PPS driver only numbers pulses while a `prefer` peer is synchronised, hence `prefer`
 *   on the NMEA source rather than on PPS.
 * - `refclock gpsd unit U`: the gpsd JSON driver watches device /dev/gpsU (a symlink to the
 *   receiver's tty) over localhost:gpsd (TCP 2947); `time2` is its serial-label fudge. Debian's
 *   ntpd is built without it (`ntpd --help` lists no GPSD), so shm is the default.
 */
export function renderNtpsecFragment(config: Config, facts: RenderFacts): Rendered {
  const n = config.timekeeper.ntpsec;
  const notes: RenderNote[] = [];
  const lines = [...headerLines(facts, 'stratum1d config render --ntpsec'), ''];
  const offset = usableOffset(facts, notes);
  const off = formatSeconds(offset.value);

  if (n.driver === 'shm') {
    if (n.shmUnit < 2) notes.push({ level: 'info', message: `SHM unit ${n.shmUnit} is root-only (mode 0600): ntpd must read it as root` });
    // As with chrony's SOCK feed, the label delay is already in every SHM sample.
    lines.push(`# NMEA time from stratum1d over NTP shared memory. Its label delay, ${off} s (${offset.source}),`);
    lines.push('# is corrected in each sample, so time1 is 0.');
    lines.push(`refclock shm unit ${n.shmUnit} refid GPS time1 0 minpoll 4 maxpoll 4 prefer`);
  } else {
    const device = '/dev/gps0';
    if (!facts.pathExists(device)) {
      notes.push({
        level: 'warn',
        message: `${device} does not exist: gpsd refclock left out (the driver watches /dev/gpsN; add a udev symlink to ${config.gnss.device})`,
      });
    } else {
      if (!config.gpsd.enabled || config.gpsd.port !== 2947) {
        notes.push({ level: 'warn', message: 'ntpd\'s gpsd driver connects to localhost port 2947: enable gpsd with port 2947' });
      }
      lines.push(`# NMEA time from stratum1d's gpsd JSON server; offset ${off} s: ${offset.source}.`);
      lines.push(`refclock gpsd unit 0 refid GPS time2 ${off} minpoll 4 maxpoll 4 prefer`);
    }
  }

  const pps = config.timekeeper.pps;
  if (pps.kind === 'kernel') {
    const chosen = ppsRefclockDevice(config, facts);
    notes.push(...chosen.notes);
    if (chosen.device === null) {
      // Left out; the notes say why.
    } else if (!facts.pathExists(chosen.device)) {
      notes.push({ level: 'warn', message: `${chosen.device} does not exist: PPS refclock left out` });
    } else {
      const m = /^\/dev\/pps(\d+)$/.exec(chosen.device);
      lines.push('# PPS edges timestamped by the kernel; ntpd reads the device itself.');
      lines.push(m ? `refclock pps unit ${m[1]} refid PPS minpoll 4 maxpoll 4` : `refclock pps unit 0 path ${chosen.device} refid PPS minpoll 4 maxpoll 4`);
    }
  } else if (pps.kind === 'gpio') {
    notes.push({
      level: 'warn',
      message: 'ntpd cannot read GPIO edges timestamped by stratum1d (it has no SOCK driver): no PPS refclock; use kernel PPS (pps-gpio) with ntpsec',
    });
  }
  return { text: `${lines.join('\n')}\n`, notes };
}
