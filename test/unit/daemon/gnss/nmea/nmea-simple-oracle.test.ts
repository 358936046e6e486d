import { parseNmeaSentence } from 'nmea-simple';
import t from 'tap';
import { decodeSentence } from '../../../../../src/daemon/gnss/nmea/decode-sentence.js';
import { frameLine } from '../../../../../src/daemon/gnss/nmea/framing.js';
import type { Sentence, TimeOfDay } from '../../../../../src/daemon/gnss/nmea/sentence-types.js';
import { withChecksum } from '../../../../../src/lib/nmea-checksum.js';
import { Prng } from '../../../../fuzz/prng.js';
import { randomValues, sentences } from '../../../../fuzz/sentence-generator.js';

/**
 * nmea-simple as a differential oracle, on fully populated sentences where it is right:
 * positions, altitudes, DOPs, speeds, satellite lists, ZDA dates. Where it is wrong (the
 * reasons DESIGN.md gives for our own decoder) we assert the difference on purpose.
 */

function ours(line: string): Sentence {
  const f = frameLine(line, false);
  if (!f.sentence) throw new Error(`rejected ${line}`);
  const d = decodeSentence(f.sentence);
  if (d.kind !== 'sentence') throw new Error(`not decoded ${line}`);
  return d.sentence;
}

// nmea-simple's packet union is loose; read fields by name.
type Loose = Record<string, unknown>;
const theirs = (line: string): Loose => parseNmeaSentence(line) as unknown as Loose;
const close = (a: unknown, b: unknown, eps = 1e-9): boolean => typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) <= eps;
const iso = (d: unknown): string => (d instanceof Date ? d.toISOString() : String(d));
const isoTod = (d: unknown): string => iso(d).slice(11, 23);
const tod = (x: TimeOfDay | null): string =>
  x ? `${String(x.hour).padStart(2, '0')}:${String(x.minute).padStart(2, '0')}:${String(x.second).padStart(2, '0')}.${String(x.millis).padStart(3, '0')}` : 'null';

t.test('2000 random fully populated epochs agree with nmea-simple', async (t) => {
  const r = new Prng(0x5eed);
  let compared = 0;
  const disagreements: string[] = [];
  const check = (ok: boolean, what: string, line: string): void => {
    compared++;
    if (!ok) disagreements.push(`${what}: ${line}`);
  };
  for (let i = 0; i < 2000; i++) {
    const s = sentences(randomValues(r), r.pick(['GP', 'GN', 'GL']), r.pick([4, 5, 7]));
    const gga = ours(s.GGA!) as Extract<Sentence, { type: 'GGA' }>;
    const ggaT = theirs(s.GGA!);
    check(close(gga.position!.lat, ggaT.latitude) && close(gga.position!.lon, ggaT.longitude), 'GGA position', s.GGA!);
    check(gga.altMSL === ggaT.altitudeMeters && gga.geoidSep === ggaT.geoidalSeperation, 'GGA altitude', s.GGA!);
    check(gga.satsUsed === ggaT.satellitesInView && gga.hdop === ggaT.horizontalDilution, 'GGA sats/hdop', s.GGA!);
    check(tod(gga.time) === isoTod(ggaT.time), 'GGA time', s.GGA!);

    const rmc = ours(s.RMC!) as Extract<Sentence, { type: 'RMC' }>;
    const rmcT = theirs(s.RMC!);
    check(close(rmc.position!.lat, rmcT.latitude) && close(rmc.position!.lon, rmcT.longitude), 'RMC position', s.RMC!);
    check(rmc.speedKnots === rmcT.speedKnots && rmc.trackTrue === rmcT.trackTrue, 'RMC speed/track', s.RMC!);
    check(`${tod(rmc.time)}` === isoTod(rmcT.datetime), 'RMC time', s.RMC!);

    const gll = ours(s.GLL!) as Extract<Sentence, { type: 'GLL' }>;
    const gllT = theirs(s.GLL!);
    check(close(gll.position!.lat, gllT.latitude) && close(gll.position!.lon, gllT.longitude), 'GLL position', s.GLL!);

    const vtg = ours(s.VTG!) as Extract<Sentence, { type: 'VTG' }>;
    const vtgT = theirs(s.VTG!);
    check(vtg.trackTrue === vtgT.trackTrue && vtg.speedKnots === vtgT.speedKnots && vtg.speedKmh === vtgT.speedKmph, 'VTG', s.VTG!);

    const gsa = ours(s.GSA!) as Extract<Sentence, { type: 'GSA' }>;
    const gsaT = theirs(s.GSA!);
    check(JSON.stringify(gsa.satIds) === JSON.stringify(gsaT.satellites), 'GSA satellites', s.GSA!);
    check(gsa.pdop === gsaT.PDOP && gsa.hdop === gsaT.HDOP && gsa.vdop === gsaT.VDOP, 'GSA DOPs', s.GSA!);

    const zda = ours(s.ZDA!) as Extract<Sentence, { type: 'ZDA' }>;
    const zdaT = theirs(s.ZDA!);
    const date = iso(zdaT.datetime).slice(0, 10);
    check(date === `${zda.year}-${String(zda.month).padStart(2, '0')}-${String(zda.day).padStart(2, '0')}`, 'ZDA date', s.ZDA!);
    check(tod(zda.time) === isoTod(zdaT.datetime), 'ZDA time', s.ZDA!);

    const gst = ours(s.GST!) as Extract<Sentence, { type: 'GST' }>;
    const gstT = theirs(s.GST!);
    check(gst.latErr === gstT.latitudeError && gst.altErr === gstT.altitudeError && gst.rms === gstT.totalRms, 'GST', s.GST!);

    const gsv = ours(s.GSV!) as Extract<Sentence, { type: 'GSV' }>;
    const gsvT = theirs(s.GSV!);
    const sats = (gsvT.satellites as Loose[]).map((x) => ({ id: x.prnNumber, el: x.elevationDegrees, az: x.azimuthTrue, snr: x.SNRdB }));
    check(JSON.stringify(gsv.satellites) === JSON.stringify(sats), 'GSV satellites', s.GSV!);
  }
  t.equal(disagreements.length, 0, `${compared} field comparisons`, { first: disagreements.slice(0, 5) });
  t.ok(compared >= 2000 * 15);
});

t.test('where nmea-simple is wrong, we differ on purpose', async (t) => {
  // NMEA 4.10 GSV: the trailing signal id is not satellite 1.
  const gsv = withChecksum('GPGSV,3,3,10,12,00,234,,24,13,295,,1');
  t.equal((theirs(gsv).satellites as unknown[]).length, 3, 'nmea-simple invents a third satellite');
  t.equal((ours(gsv) as Extract<Sentence, { type: 'GSV' }>).satellites.length, 2);

  // Empty fields are "not known", not 0.
  const rmc = withChecksum('GPRMC,120000.7,A,4916.45,N,12311.12,W,,,010120,,');
  t.equal(theirs(rmc).speedKnots, 0, 'nmea-simple turns an empty speed into 0');
  t.equal((ours(rmc) as Extract<Sentence, { type: 'RMC' }>).speedKnots, null);

  // A one-digit fraction is still a fraction.
  t.equal(isoTod(theirs(rmc).datetime), '12:00:00.000', 'nmea-simple drops .7');
  t.equal(tod((ours(rmc) as Extract<Sentence, { type: 'RMC' }>).time), '12:00:00.700');

  // A bad checksum is counted, not thrown.
  const bad = withChecksum('GPGGA,123519,4807.038,N,01131.324,E,1,08,0.9,545.4,M,46.9,M,,').replace(/\*..$/, '*00');
  t.throws(() => parseNmeaSentence(bad), 'nmea-simple throws on a bad checksum');
  t.equal(frameLine(bad, false).rejected, 'badChecksum');
});
