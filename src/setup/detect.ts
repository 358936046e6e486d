import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BootInfo, SetupError } from './setup-types.js';

/** A target-system path under the --root directory. */
export function under(root: string, path: string): string {
  return join(root, path);
}

export function readOrNull(hostPath: string): string | null {
  try {
    return readFileSync(hostPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * The boot partition is where config.txt is. /boot/firmware comes first: Raspberry Pi OS
 * bookworm mounts the FAT partition there and leaves a stub /boot/config.txt that only says
 * the file has moved. The flavour is told by the overlays: Raspberry Pi OS ships
 * `overlays/pps-gpio.dtbo`; Debian's raspi-firmware installs no overlays at all, so neither
 * pps-gpio nor i2c-rtc can be used and PPS goes through the GPIO character device.
 */
export function detectBoot(root: string): BootInfo {
  const bootDir = ['/boot/firmware', '/boot'].find((d) => existsSync(under(root, `${d}/config.txt`)));
  if (bootDir === undefined) {
    throw new SetupError(`no Raspberry Pi boot partition under ${root}: neither boot/firmware/config.txt nor boot/config.txt exists`, 72); // EX_OSFILE
  }
  const flavour = existsSync(under(root, `${bootDir}/overlays/pps-gpio.dtbo`)) ? 'raspios' : 'debian';
  const generated = existsSync(under(root, '/etc/default/raspi-firmware'));
  const rawModel = readOrNull(under(root, '/proc/device-tree/model'));
  const model = rawModel === null ? null : rawModel.replace(/\0/g, '').trim() || null;
  return { bootDir, flavour, generated, model };
}

/** An RTC already named in config.txt (`dtoverlay=i2c-rtc,<chip>`), so a re-run keeps the operator's choice. */
export function rtcFromConfigTxt(text: string): 'ds3231' | 'pcf8523' | null {
  for (const raw of text.split('\n')) {
    const m = /^\s*dtoverlay=i2c-rtc,(?:.*,)?(ds3231|pcf8523)(?:,|\s*$)/.exec(raw);
    if (m) return m[1] as 'ds3231' | 'pcf8523';
  }
  return null;
}

/**
 * The UART on GPIO 14/15 under Debian's kernel (no serial0 alias symlink there): the PL011
 * (ttyAMA0) on boards without Bluetooth, the mini UART (ttyS1) on Pi 3/4/Zero 2 W, whose
 * PL011 drives Bluetooth and cannot be moved without the disable-bt overlay.
 */
export function debianGnssDevice(model: string | null): string {
  if (model !== null && /Raspberry Pi (?:3|4|Zero 2)/.test(model)) return '/dev/ttyS1';
  if (model !== null && /Raspberry Pi/.test(model)) return '/dev/ttyAMA0';
  return '/dev/ttyS1';
}

/** The user _chrony exists on the target (chrony installed), so it can join the pps group. */
export function hasUser(root: string, name: string): boolean {
  const passwd = readOrNull(under(root, '/etc/passwd')) ?? '';
  return passwd.split('\n').some((l) => l.startsWith(`${name}:`));
}
