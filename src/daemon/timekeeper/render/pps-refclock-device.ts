import type { Config } from '../../../config/schema.js';
import { isSafeToken } from './format.js';
import type { RenderFacts, RenderNote } from './render-types.js';

export interface PpsRefclockDevice {
  /** The device to write into the refclock line; null: leave the PPS refclock out. */
  device: string | null;
  notes: RenderNote[];
}

/**
 * Which kernel PPS device the timekeeper is told to read. It must be the source stratum1d
 * monitors (`pps.kernel.device`), else chronyd locks to one pulse while status reports
 * another: with pps-ktimer or a USB receiver's line discipline registered first, pps-gpio is
 * not pps0. `auto` takes the monitor's finder's answer (gathered in facts.kernelPps), preferring
 * the package's udev name, which survives renumbering; without it the /dev/ppsN found now is
 * written and the operator is told it is a number (pps-gpio on mainline kernels sets no parent
 * device, so udev's DRIVERS=="pps-gpio" match and its symlink never appear).
 */
export function ppsRefclockDevice(config: Config, facts: RenderFacts): PpsRefclockDevice {
  const want = config.timekeeper.pps.device;
  const fact = facts.kernelPps;
  const notes: RenderNote[] = [];
  let device: string;
  if (want === 'auto') {
    if (!fact) {
      return { device: null, notes: [{ level: 'warn', message: 'timekeeper.pps.device is auto but the kernel PPS sources were not looked at: PPS refclock left out' }] };
    }
    if (!fact.found) {
      return {
        device: null,
        notes: [{ level: 'warn', message: `timekeeper.pps.device auto: ${fact.reason ?? `no PPS source ${fact.want}`}: PPS refclock left out (or set timekeeper.pps.kind: gpio)` }],
      };
    }
    const f = fact.found;
    if (fact.stableName) {
      device = fact.stableName;
      notes.push({ level: 'info', message: `PPS refclock reads ${device}, udev's stable name for ${f.device} "${f.name}" (the source pps.kernel.device ${fact.want} monitors)` });
    } else {
      device = f.device;
      notes.push({
        level: 'info',
        message: `PPS refclock reads ${device} "${f.name}", the source pps.kernel.device ${fact.want} found by name; no stable udev name points to it (pps-gpio without a parent device), so the number is written: if it moves, stratum1d raises pps-device-mismatch and \`stratum1d config apply\` renders the new one`,
      });
    }
  } else {
    device = want;
    const f = fact?.found;
    if (f && device !== f.device && device !== fact.stableName) {
      notes.push({
        level: 'warn',
        message: `timekeeper.pps.device ${device} is not the PPS source stratum1d monitors (${f.device} "${f.name}", pps.kernel.device ${fact.want}): chronyd would lock to another pulse; set timekeeper.pps.device: auto`,
      });
    }
  }
  if (!isSafeToken(device)) {
    notes.push({ level: 'warn', message: `PPS device path ${JSON.stringify(device)} cannot be written into the timekeeper's configuration (whitespace or control characters): PPS refclock left out` });
    return { device: null, notes };
  }
  return { device, notes };
}
