/**
 * RMC — Recommended Minimum Specific GNSS Data (NMEA 0183 4.11).
 *
 *   $GPRMC,225446.33,A,4916.45,N,12311.12,W,000.5,054.7,191194,020.3,E,A,V*hh
 *    1  hhmmss.ss  UTC time of the position fix
 *    2  A|V        status: A data valid, V navigation receiver warning
 *    3,4 ddmm.mm,N|S  latitude
 *    5,6 dddmm.mm,E|W longitude
 *    7  knots      speed over ground
 *    8  degrees    course over ground, true
 *    9  ddmmyy     date (two-digit year: the century is resolved later)
 *   10,11 degrees,E|W magnetic variation
 *   12  FAA mode indicator (NMEA 2.3+)
 *   13  navigational status (NMEA 4.10+): S safe, C caution, U unsafe, V not valid
 */
import type { FieldReader } from '../field-reader.js';
import type { RmcSentence } from '../sentence-types.js';

export function decodeRmc(r: FieldReader): RmcSentence | string {
  if (r.count < 10) return 'too few fields';
  const time = r.time(1);
  const status = r.char<'A' | 'V'>(2, 'AV');
  const position = r.latLon(3);
  if (r.isInvalid(1) || r.isInvalid(2)) return 'bad time or status';
  // With status V the position is filler (Transystem TR737 sends 8960.0000,N): keep the
  // warning, which resets the trust streak, and drop only the position.
  if (position === null && r.invalid.length > 0 && status !== 'V') return 'bad position';
  let magvar = r.num(10);
  const magDir = r.char<'E' | 'W'>(11, 'EW');
  if (magvar !== null && magDir === 'W') magvar = -magvar;
  if (magvar !== null && magDir === null) magvar = null; // a variation without a side means nothing
  return {
    type: 'RMC',
    time,
    status,
    position,
    speedKnots: r.num(7),
    trackTrue: r.num(8),
    date: r.ddmmyy(9),
    magvar,
    faaMode: r.letter(12),
    navStatus: r.letter(13),
  };
}
