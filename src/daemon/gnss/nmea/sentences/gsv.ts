/**
 * GSV — GNSS Satellites in View (NMEA 0183 4.11).
 *
 *   $GPGSV,3,1,10,13,80,247,17,14,47,043,19,15,48,295,20,17,48,108,17,1*62
 *    1  total number of GSV sentences for this talker (and signal), 1-9
 *    2  sentence number
 *    3  satellites in view
 *    4-7  satellite id, elevation (degrees, -90..90), azimuth (degrees true, 0-359),
 *         SNR (dB-Hz, 00-99; empty when not tracking)
 *    ...  up to four satellites per sentence
 *    last signal id (NMEA 4.10+, one hex digit). It is NOT a satellite: the data fields are
 *         3 + 4n, and a single extra field is the signal id.
 *
 * Quectel EC2x $PQGSV adds a system id after the signal id (3 + 4n + 2 fields). Oncore and
 * others pad the last sentence with empty satellite slots; Quectel sends slots with a blank
 * id, and some receivers report 360 for azimuth 0 (both noted in gpsd's NMEA driver).
 */
import type { FieldReader } from '../field-reader.js';
import type { GsvSatellite, GsvSentence } from '../sentence-types.js';

function satellite(r: FieldReader, i: number): GsvSatellite | null {
  const id = r.int(i);
  if (id === null || id <= 0) return null;
  let el = r.int(i + 1);
  let az = r.int(i + 2);
  let snr = r.int(i + 3);
  if (el !== null && (el < -90 || el > 90)) el = null;
  if (az === 360) az = 0;
  if (az !== null && (az < 0 || az > 359)) az = null;
  if (snr !== null && (snr < 0 || snr > 99)) snr = null;
  return { id, el, az, snr };
}

export function decodeGsv(r: FieldReader, talker: string): GsvSentence | string {
  if (r.count < 4) return 'too few fields';
  const total = r.int(1);
  const index = r.int(2);
  if (total === null || index === null || total < 1 || total > 9 || index < 1 || index > total) {
    return 'bad sentence numbering';
  }
  const n = r.count - 1;
  const extra = (n - 3) % 4;
  let signalId: number | null = null;
  let systemId: number | null = null;
  if (extra === 1) {
    // u-blox ZED-F9P (HPG 1.00) sends the signal id field empty on $GBGSV.
    signalId = r.hexDigit(n);
    if (r.isInvalid(n)) return 'bad signal id';
  } else if (extra === 2 && talker === 'PQ') {
    signalId = r.hexDigit(n - 1);
    systemId = r.int(n);
  } else if (extra !== 0) {
    return 'field count is not 3 + 4 per satellite';
  }
  const satellites: GsvSatellite[] = [];
  for (let i = 4; i + 3 <= n - extra; i += 4) {
    const s = satellite(r, i);
    if (s) satellites.push(s);
  }
  return { type: 'GSV', total, index, inView: r.int(3), satellites, signalId, systemId };
}
