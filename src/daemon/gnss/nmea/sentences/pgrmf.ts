/**
 * PGRMF — Garmin GPS fix data (Garmin GPS 18x Technical Specifications, 190-00879-08,
 * §4.2.11 "GPS Fix Data Sentence (PGRMF)").
 *
 *   $PGRMF,290,293895,160305,093802,13,5213.1439,N,02100.6511,E,A,2,0,226,2,1*hh
 *    1  GPS week number, 0-1023 (10 bits: wraps every 1024 weeks)
 *    2  GPS seconds of week, 0-604799
 *    3  UTC date of the fix, ddmmyy
 *    4  UTC time of the fix, hhmmss (hhmmss.s on the GPS 18x-5Hz)
 *    5  GPS leap second count (GPS - UTC, seconds)
 *    6  latitude, ddmm.mmmm        7  N or S
 *    8  longitude, dddmm.mmmm      9  E or W
 *   10  mode, M = manual, A = automatic
 *   11  fix type, 0 = no fix, 1 = 2D fix, 2 = 3D fix
 *   12  speed over ground, 0-1851 km/h
 *   13  course over ground, 0-359 degrees true
 *   14  position dilution of precision, 0-9 (rounded)
 *   15  time dilution of precision, 0-9 (rounded)
 *
 * The leap second count is the one standard-free place a Garmin states GPS-UTC: the
 * pipeline uses it to tell a leap second from a cold-start correction of the count.
 */
import type { FieldReader } from '../field-reader.js';
import type { PgrmfSentence } from '../sentence-types.js';

export function decodePgrmf(r: FieldReader): PgrmfSentence | string {
  if (r.count < 12) return 'too few fields';
  const time = r.time(4);
  const date = r.ddmmyy(3);
  if (r.isInvalid(3) || r.isInvalid(4)) return 'bad time or date';
  const week = r.int(1);
  const tow = r.num(2);
  const leap = r.int(5);
  const fixType = r.int(11);
  return {
    type: 'PGRMF',
    gpsWeek: week !== null && week >= 0 && week <= 1023 ? week : null,
    gpsSeconds: tow !== null && tow >= 0 && tow < 604_800 ? tow : null,
    date,
    time,
    leapSeconds: leap !== null && leap >= 0 && leap <= 255 ? leap : null,
    position: r.latLon(6),
    mode: r.char<'M' | 'A'>(10, 'MA'),
    fixType: fixType === 0 || fixType === 1 || fixType === 2 ? fixType : null,
    speedKmh: r.num(12),
    course: r.num(13),
    pdop: r.num(14),
    tdop: r.num(15),
  };
}
