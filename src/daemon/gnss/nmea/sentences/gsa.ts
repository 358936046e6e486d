/**
 * GSA — GNSS DOP and Active Satellites (NMEA 0183 4.11).
 *
 *   $GNGSA,A,3,13,12,22,19,08,21,,,,,,,1.05,0.64,0.83,4*0B
 *    1  selection mode: M manual (forced 2D/3D), A automatic
 *    2  fix type: 1 no fix, 2 2D, 3 3D (Antaris sends E for dead reckoning)
 *    3-14 ids of the satellites used in the solution (12 slots; empty when unused)
 *   15  PDOP
 *   16  HDOP
 *   17  VDOP
 *   18  GNSS system id (NMEA 4.10+): 1 GPS, 2 GLONASS, 3 Galileo, 4 BeiDou, 5 QZSS, 6 NavIC
 *
 * Multi-constellation receivers send one GSA per system in each epoch (u-blox 9: four
 * $GNGSA, told apart by field 18). The Navior-24 CH-4701 sends 24 satellite slots, so the
 * DOPs are found from the end. SiRF TriG puts a decimal number in field 18, which is not a
 * system id and is ignored.
 */
import type { FieldReader } from '../field-reader.js';
import type { GsaSentence } from '../sentence-types.js';
import { validDop } from './dop.js';

export function decodeGsa(r: FieldReader): GsaSentence | string {
  if (r.count < 3) return 'too few fields';
  const selection = r.char<'A' | 'M'>(1, 'AM');
  const rawFix = r.str(2);
  // Antaris "E" (dead reckoning) is a mode no GSA client expects: treat as "no fix type".
  const fixType = rawFix === '' || rawFix === 'E' ? null : r.int(2);
  if (r.invalid.length > 0) return 'bad mode';
  if (fixType !== null && (fixType < 1 || fixType > 3)) return 'fix type out of range';

  const n = r.count - 1; // data fields
  // 12 or 24 satellite slots, plus three DOPs, plus the optional 4.10 system id.
  const withSystem = n === 18 || n === 30;
  const dopStart = withSystem ? n - 3 : n - 2;
  let systemId: number | null = null;
  if (withSystem && !r.str(n).includes('.')) systemId = r.hexDigit(n);

  const satIds: number[] = [];
  const satEnd = n >= 5 ? dopStart : n + 1;
  for (let i = 3; i < satEnd; i++) {
    const id = r.int(i);
    if (id !== null && id > 0) satIds.push(id);
  }
  const dops = n >= 5;
  return {
    type: 'GSA',
    selection,
    fixType: fixType as GsaSentence['fixType'],
    satIds,
    pdop: dops ? validDop(r.num(dopStart)) : null,
    hdop: dops ? validDop(r.num(dopStart + 1)) : null,
    vdop: dops ? validDop(r.num(dopStart + 2)) : null,
    systemId,
  };
}
