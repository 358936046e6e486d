/**
 * PGRME — Garmin estimated error information (Garmin GPS 18x Technical Specifications,
 * 190-00879-08, §4.2 "Estimated Error Information (PGRME)").
 *
 *   $PGRME,17.4,M,40.3,M,43.9,M*hh
 *    1  estimated horizontal position error (HPE), 0.0-999.9
 *    2  unit, `M` (metres)
 *    3  estimated vertical position error (VPE), 0.0-999.9
 *    4  unit, `M`
 *    5  estimated position error (EPE, spherical), 0.0-999.9
 *    6  unit, `M`
 *
 * Garmin does not state the confidence level; the values are reported as the receiver's own
 * estimates (gpsd's eph / epv / sep), not rescaled.
 */
import type { FieldReader } from '../field-reader.js';
import type { PgrmeSentence } from '../sentence-types.js';

export function decodePgrme(r: FieldReader): PgrmeSentence | string {
  if (r.count < 6) return 'too few fields';
  const metres = (i: number): number | null => {
    const v = r.num(i);
    const unit = r.str(i + 1);
    if (v === null || (unit !== '' && unit !== 'M')) return null;
    return v >= 0 ? v : null;
  };
  return { type: 'PGRME', hpe: metres(1), vpe: metres(3), epe: metres(5) };
}
