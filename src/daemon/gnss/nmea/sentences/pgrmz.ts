/**
 * PGRMZ — Garmin altitude information (Garmin GPS 18x Technical Specifications,
 * 190-00879-08, §4.2 "Altitude Information (PGRMZ)"; same layout on the GPS 16x/17x).
 *
 *   $PGRMZ,162,f,3*hh
 *    1  altitude above mean sea level, whole feet
 *    2  unit, always `f` (feet)
 *    3  position fix dimensions: 2 = user altitude (2D fix), 3 = GPS altitude (3D fix)
 *
 * Older Garmins and some clones send 1 in field 3 for "no fix"; it is kept as sent.
 */
import type { FieldReader } from '../field-reader.js';
import type { PgrmzSentence } from '../sentence-types.js';

export const FOOT_M = 0.3048;

export function decodePgrmz(r: FieldReader): PgrmzSentence | string {
  if (r.count < 3) return 'too few fields';
  const feet = r.num(1);
  const unit = r.str(2);
  if (r.isInvalid(1)) return 'bad altitude';
  if (feet !== null && unit !== '' && unit !== 'f' && unit !== 'F') return `unknown altitude unit "${unit.slice(0, 4)}"`;
  const dim = r.int(3);
  return {
    type: 'PGRMZ',
    altitudeFeet: feet,
    fixDimension: dim === 1 || dim === 2 || dim === 3 ? dim : null,
  };
}
