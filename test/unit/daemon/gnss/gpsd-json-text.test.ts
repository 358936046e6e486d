import { createReadStream, existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import type { Fix, SatelliteView, Sky } from '../../../../src/daemon/core/fix.js';
import { skyReport, tpvReport } from '../../../../src/daemon/gnss/gpsd-json.js';
import { skyJson, skyJsonBody, tpvJson } from '../../../../src/daemon/gnss/gpsd-json-text.js';
import { decodeLog } from '../../../../src/daemon/gnss/log-reader.js';
import { seededRandom } from '../../../../src/lib/seeded-random.js';

/**
 * The hand-written serializers must print exactly what JSON.stringify prints for the report
 * objects (gpsd-exact JSON is a product feature): on every epoch of gpsd's regression logs,
 * and on generated values that reach the edges (NaN, ±Infinity, -0, nulls, huge numbers).
 */

const ROOT = resolve(fileURLToPath(new URL('../../../../', import.meta.url)));
const CORPUS = resolve(ROOT, '..', 'shared', 'fixtures', 'gpsd');

function sameTpv(t: Test, fix: Fix, device?: string): boolean {
  const want = JSON.stringify(tpvReport(fix, device));
  const got = tpvJson(fix, device);
  if (got !== want) t.equal(got, want, 'TPV text');
  return got === want;
}

function sameSky(t: Test, sky: Sky, device?: string): boolean {
  const want = JSON.stringify(skyReport(sky, device));
  const got = skyJson(sky, device);
  if (got !== want) t.equal(got, want, 'SKY text');
  // The body is the report without class, device and time: what `decode` compares views by.
  const { class: _c, device: _d, time: _t, ...view } = skyReport(sky, device);
  const body = skyJsonBody(sky);
  const viewOk = `{"class":"SKY"${body}}` === JSON.stringify({ class: 'SKY', ...view });
  if (!viewOk) t.fail(`SKY body ${body} is not the view ${JSON.stringify(view)}`);
  return got === want && viewOk;
}

t.test('identical to JSON.stringify on every epoch of the gpsd corpus', { skip: existsSync(CORPUS) ? false : `no corpus at ${CORPUS}` }, async (t) => {
  const logs = readdirSync(CORPUS).filter((f) => f.endsWith('.log')).sort();
  let fixes = 0;
  let skies = 0;
  let bad = 0;
  for (const log of logs) {
    await decodeLog(createReadStream(join(CORPUS, log)), {}, {
      fix(fix) {
        fixes++;
        if (!sameTpv(t, fix) || !sameTpv(t, fix, '/dev/ttyS0')) bad++;
      },
      sky(sky) {
        skies++;
        if (!sameSky(t, sky) || !sameSky(t, sky, '/dev/ttyS0')) bad++;
      },
    });
  }
  t.ok(fixes > 1000 && skies > 1000, `${fixes} TPV and ${skies} SKY compared`);
  t.equal(bad, 0, 'no difference');
});

t.test('identical to JSON.stringify on generated edge values', async (t) => {
  const rnd = seededRandom(0x5eed);
  const edge = [null, 0, -0, 1, -1, 0.5, 1e-7, -1e-10, 123.456789012345, 1e21, -1e21, 5e-324, Number.MAX_VALUE, NaN, Infinity, -Infinity, 0.1 + 0.2, 4807.038, -45.12345678951];
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const n = (): number | null => pick(edge);
  const time = (): Fix['time'] =>
    rnd() < 0.2 ? null : { year: pick([1980, 2024, 99999]), month: 12, day: 31, hour: 23, minute: 59, second: pick([0, 59, 60]), millis: pick([0, 7, 999]) };
  let bad = 0;
  for (let i = 0; i < 3000; i++) {
    const fix: Fix = {
      time: time(),
      mode: pick([0, 1, 2, 3] as const),
      status: pick([null, 0, 1, 2, 5]) as Fix['status'],
      leapSeconds: pick([null, 18, -1]),
      lat: n(),
      lon: n(),
      altHAE: n(),
      altMSL: n(),
      geoidSep: n(),
      speed: n(),
      track: n(),
      magvar: n(),
      climb: n(),
      eph: n(),
      epv: n(),
      sep: n(),
      receivedAt: i,
      sentences: [],
    };
    if (!sameTpv(t, fix, pick([undefined, 'gps0', 'a "quoted"\\ name\n']))) bad++;
    const satellites: SatelliteView[] = Array.from({ length: pick([0, 1, 5]) }, () => ({
      PRN: pick([1, 65, 301, 999999999]),
      gnssid: pick([null, 0, 6]) as SatelliteView['gnssid'],
      svid: pick([null, 1, 158]),
      sigid: pick([null, 0, 15]),
      el: n(),
      az: n(),
      ss: n(),
      used: rnd() < 0.5,
    }));
    const sky: Sky = { time: time(), nSat: pick([null, 0, satellites.length]), uSat: pick([null, 0, 12]), hdop: n(), pdop: n(), vdop: n(), satellites };
    if (!sameSky(t, sky, pick([undefined, 'gps0']))) bad++;
  }
  t.equal(bad, 0, 'no difference in 3000 generated TPV and SKY');
});
