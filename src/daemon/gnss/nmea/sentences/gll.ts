/**
 * GLL — Geographic Position, Latitude/Longitude (NMEA 0183 3.0+ layout).
 *
 *   $GPGLL,4916.45,N,12311.12,W,225444.00,A,A*hh
 *    1,2 ddmm.mm,N|S  latitude
 *    3,4 dddmm.mm,E|W longitude
 *    5  hhmmss.ss  UTC time of the position (absent on the Garmin 65 and NMEA 2.0 units)
 *    6  A data valid | V invalid
 *    7  FAA mode indicator (NMEA 2.3+; SiRF omits it)
 */
import type { FieldReader } from '../field-reader.js';
import type { GllSentence } from '../sentence-types.js';

export function decodeGll(r: FieldReader): GllSentence | string {
  if (r.count < 5) return 'too few fields';
  const position = r.latLon(1);
  const time = r.time(5);
  const status = r.char<'A' | 'V'>(6, 'AV');
  if (r.isInvalid(5) || r.isInvalid(6)) return 'bad time or status';
  if (position === null && r.invalid.length > 0 && status !== 'V') return 'bad position';
  return { type: 'GLL', position, time, status, faaMode: r.letter(7) };
}
