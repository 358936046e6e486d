/**
 * VTG — Course Over Ground and Ground Speed (NMEA 0183 2.3+ layout).
 *
 *   $GPVTG,054.7,T,034.4,M,005.5,N,010.2,K,A*hh
 *    1,2 degrees,T  course over ground, true
 *    3,4 degrees,M  course over ground, magnetic
 *    5,6 knots,N    speed over ground
 *    7,8 km/h,K     speed over ground
 *    9  FAA mode indicator (NMEA 2.3+)
 *
 * Pre-2.0 receivers send the four values without the unit letters
 * (`$GPVTG,054.7,034.4,005.5,010.2`); both layouts are read.
 */
import type { FieldReader } from '../field-reader.js';
import type { VtgSentence } from '../sentence-types.js';

export function decodeVtg(r: FieldReader): VtgSentence | string {
  if (r.count === 5 && r.str(2) !== 'T') {
    return { type: 'VTG', trackTrue: r.num(1), trackMagnetic: r.num(2), speedKnots: r.num(3), speedKmh: r.num(4), faaMode: null };
  }
  if (r.count < 9) return 'too few fields';
  return {
    type: 'VTG',
    trackTrue: r.num(1),
    trackMagnetic: r.num(3),
    speedKnots: r.num(5),
    speedKmh: r.num(7),
    faaMode: r.letter(9),
  };
}
