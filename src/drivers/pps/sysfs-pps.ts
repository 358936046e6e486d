import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { PpsEdge } from './pps-source.js';

/**
 * Kernel PPS through sysfs (Documentation/ABI/testing/sysfs-pps): `/sys/class/pps/ppsN/assert`
 * holds `<secs>.<nsec>#<sequence>` of the latest assert event (drivers/pps/sysfs.c prints
 * "%lld.%09d#%d\n"), empty when the source does not capture asserts. `name` and `path` say
 * which source it is; N is handed out in probe order and moves between kernels and Pi models.
 */

export const SYSFS_PPS_ROOT = '/sys/class/pps';

export type AssertReading = { kind: 'edge'; edge: PpsEdge } | { kind: 'none' } | { kind: 'malformed'; text: string };

const ASSERT = /^(\d+)\.(\d{9})#(\d+)$/;

export function parseAssert(text: string): AssertReading {
  const s = text.trim();
  if (s === '') return { kind: 'none' };
  const m = ASSERT.exec(s);
  if (!m) return { kind: 'malformed', text: s.slice(0, 64) };
  const seq = Number(m[3]);
  // Sequence 0 is the zeroed state before the first pulse ("0.000000000#0").
  if (seq === 0) return { kind: 'none' };
  return { kind: 'edge', edge: { sec: Number(m[1]), nsec: Number(m[2]), seq } };
}

export interface KernelPpsDevice {
  /** `ppsN` */
  id: string;
  dir: string;
  /** `/dev/ppsN` */
  device: string;
  name: string;
  /** The tty for pps-ldisc, empty for pps-gpio and ktimer. */
  path: string;
  /** Basename of `device/driver`, e.g. `pps-gpio`; null when the link is absent. */
  driver: string | null;
  gpio: boolean;
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

/**
 * pps-gpio names its source after the platform device ("pps@12.-1" for the Pi overlay's
 * `pps@12` node, gpiopin 18 = 0x12; "pps-gpio.0" on older kernels) and has no `path`; the
 * driver link says it outright when present.
 */
export function looksLikeGpio(name: string, path: string, driver: string | null): boolean {
  if (driver !== null) return driver === 'pps-gpio';
  return path === '' && name !== 'ktimer' && /gpio|^pps[@.-]/i.test(name);
}

export function listKernelPps(root: string = SYSFS_PPS_ROOT): KernelPpsDevice[] {
  let ids: string[];
  try {
    ids = readdirSync(root).filter((n) => /^pps\d+$/.test(n));
  } catch {
    return [];
  }
  ids.sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)));
  return ids.map((id) => {
    const dir = join(root, id);
    const name = readText(join(dir, 'name')) ?? '';
    const path = readText(join(dir, 'path')) ?? '';
    let driver: string | null = null;
    try {
      driver = basename(readlinkSync(join(dir, 'device', 'driver')));
    } catch {
      driver = null;
    }
    return { id, dir, device: `/dev/${id}`, name, path, driver, gpio: looksLikeGpio(name, path, driver) };
  });
}

export type KernelPpsSearch = { ok: true; device: KernelPpsDevice } | { ok: false; reason: string };

/**
 * `want`: `auto` (the pps-gpio source), or `ppsN` / `/dev/ppsN` / a source name for an
 * explicit choice (a PPS on the serial DCD line, `pps-ldisc`).
 */
export function findKernelPps(want: string, root: string = SYSFS_PPS_ROOT): KernelPpsSearch {
  const all = listKernelPps(root);
  const seen = all.map((d) => `${d.id} "${d.name}"${d.path ? ` (${d.path})` : ''}`).join(', ') || 'none';
  if (want === 'auto') {
    const gpio = all.filter((d) => d.gpio);
    if (gpio[0]) return { ok: true, device: gpio[0] };
    return { ok: false, reason: `no pps-gpio source in ${root} (found: ${seen}); is dtoverlay=pps-gpio set?` };
  }
  const id = want.startsWith('/dev/') ? want.slice('/dev/'.length) : want;
  const hit = all.find((d) => d.id === id) ?? all.find((d) => d.name === want);
  return hit ? { ok: true, device: hit } : { ok: false, reason: `no PPS source ${want} in ${root} (found: ${seen})` };
}
