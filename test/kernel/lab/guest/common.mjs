// Helpers shared by the guest programs (plain ESM: they run on the built dist/ inside the guest).
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export const WORK = '/tmp/work';
export const DIST = new URL('../../../../dist/', import.meta.url);
export const dist = (p) => import(new URL(p, DIST).href);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The sysfs `pull` file of a gpio-sim line on the chip `gpiochipN`. */
export function pullFile(chipName, offset) {
  for (const dev of readdirSync('/sys/bus/platform/devices')) {
    const f = join('/sys/bus/platform/devices', dev, chipName, `sim_gpio${offset}`, 'pull');
    if (existsSync(f)) return f;
  }
  throw new Error(`no gpio-sim pull file for ${chipName} line ${offset}`);
}

/** Writes pull-up (a rising edge), noting CLOCK_REALTIME just before and after the write, ns. */
export function pulse(file, level) {
  const before = process.hrtime.bigint();
  const t0 = BigInt(Date.now()) * 1_000_000n;
  writeFileSync(file, level);
  const after = process.hrtime.bigint();
  return { beforeNs: t0, afterNs: t0 + (after - before) + 1_000_000n };
}

export function chipNameOf(devPath) {
  return devPath.replace(/^\/dev\//, '');
}

/** Runs the checks, collecting what each observed; errors are results too (the host asserts). */
export async function record(name, fn) {
  const out = { program: name };
  try {
    Object.assign(out, await fn());
  } catch (err) {
    out.error = err && err.stack ? err.stack : String(err);
  }
  writeFileSync(join(WORK, `${name}.json`), JSON.stringify(out, (_, v) => (typeof v === 'bigint' ? v.toString() : v), 2));
}

export const readText = (f) => readFileSync(f, 'utf8').trim();
