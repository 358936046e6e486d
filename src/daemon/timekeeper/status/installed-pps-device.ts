import { readFileSync, realpathSync } from 'node:fs';

/** The kernel PPS device a chrony configuration file tells chronyd to read. */
export interface InstalledPpsDevice {
  /** As written, e.g. `/dev/pps0` or `/dev/pps-gpio`. */
  device: string;
  /** The file it was read from. */
  file: string;
  /** The device node it resolves to now (symlinks followed); null when it does not exist. */
  target: string | null;
}

/**
 * `refclock PPS <device> [options]` (chrony.conf(5)); the driver name is case-insensitive
 * there, comments start with `#`, `%`, `;` or `!`. The first PPS refclock counts: stratum1d
 * writes one.
 */
export function parseChronyPpsRefclock(text: string): string | null {
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || /^[#%;!]/.test(line)) continue;
    const m = /^refclock\s+PPS\s+(\S+)/i.exec(line);
    if (m) return m[1]!;
  }
  return null;
}

/**
 * What chronyd was configured with, read from the installed include (chronyc does not show a
 * refclock's device: `sources` names it by refid). Null when the file cannot be read or has
 * no PPS refclock; `explain-sync` says so separately when chronyd lacks the refclock.
 */
export function readInstalledPpsDevice(file: string): InstalledPpsDevice | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const device = parseChronyPpsRefclock(text);
  if (device === null) return null;
  let target: string | null;
  try {
    target = realpathSync(device);
  } catch {
    target = null;
  }
  return { device, file, target };
}
