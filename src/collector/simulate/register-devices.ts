import { appendFileSync, chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { DEVICE_NAME, hashDeviceToken, newDeviceToken } from '../device-tokens.js';
import { DeviceExistsError, type FleetStore } from '../store/fleet-store.js';
import type { SimulatedAppliance } from './fleet-simulator.js';

/** `sim-0001` … : sortable, and valid device names. */
export function simulatedName(prefix: string, index: number, count: number): string {
  return `${prefix}-${String(index + 1).padStart(Math.max(4, String(count).length), '0')}`;
}

/** A tokens file: one `NAME TOKEN` a line; blank lines and `#` comments ignored. */
export function readTokensFile(path: string): Map<string, string> {
  const out = new Map<string, string>();
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      const t = line.trim();
      if (!t || t.startsWith('#')) return;
      const [name, token, ...rest] = t.split(/\s+/);
      if (!name || !token || rest.length || !DEVICE_NAME.test(name)) throw new Error(`${path}:${i + 1}: expected "NAME TOKEN"`);
      out.set(name, token);
    });
  return out;
}

/**
 * Registers the simulated appliances directly in the collector's store (what `collector
 * add-device` does), so a demo needs no hand-copied tokens. Devices already registered are
 * used when `tokensFile` holds their token (a second run of the same demo); new tokens are
 * appended to it. The high-water mark of each comes from the store, so a rerun goes on from
 * where the collector is instead of sending duplicates.
 */
export async function registerSimulatedDevices(
  store: FleetStore,
  names: string[],
  tokensFile: string | null,
  now: number,
): Promise<SimulatedAppliance[]> {
  const known = tokensFile && existsSync(tokensFile) ? readTokensFile(tokensFile) : new Map<string, string>();
  if (tokensFile && !existsSync(tokensFile)) writeFileSync(tokensFile, '# stratum1d collector simulate: NAME TOKEN\n', { mode: 0o600 });
  if (tokensFile) chmodSync(tokensFile, 0o600);
  const existing = new Map((await store.devices()).map((d) => [d.name, d]));
  const out: SimulatedAppliance[] = [];
  for (const name of names) {
    const row = existing.get(name);
    let token = known.get(name);
    if (row && token) {
      out.push({ name, token, startSeq: row.lastSeq });
      continue;
    }
    if (row) throw new Error(`device ${name} is already registered and its token is not in ${tokensFile ?? 'a tokens file'}: pass --tokens FILE, another --prefix or a new --db`);
    token = newDeviceToken();
    try {
      await store.addDevice(name, hashDeviceToken(token), null, now);
    } catch (e) {
      if (e instanceof DeviceExistsError) throw new Error(`device ${name} was registered meanwhile by someone else`);
      throw e;
    }
    if (tokensFile) appendFileSync(tokensFile, `${name} ${token}\n`);
    out.push({ name, token, startSeq: 0 });
  }
  return out;
}
