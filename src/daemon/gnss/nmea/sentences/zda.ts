/**
 * ZDA — Time and Date (NMEA 0183 4.11).
 *
 *   $GPZDA,160012.71,11,03,2004,-1,00*hh
 *    1  hhmmss.ss  UTC time
 *    2  day 01-31
 *    3  month 01-12
 *    4  year, four digits (the only standard source of the century)
 *    5  local zone hours, -13..13
 *    6  local zone minutes, same sign as the hours
 *
 * u-blox ANTARIS and others send ZDA with blank date fields before they have time; that
 * reads as a time without a date, not as an error.
 */
import type { FieldReader } from '../field-reader.js';
import type { ZdaSentence } from '../sentence-types.js';

const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function decodeZda(r: FieldReader): ZdaSentence | string {
  if (r.count < 5) return 'too few fields';
  const time = r.time(1);
  const day = r.int(2);
  const month = r.int(3);
  const year = r.int(4);
  if (r.invalid.length > 0) return 'bad time or date';
  const someDate = day !== null || month !== null || year !== null;
  if (someDate) {
    if (day === null || month === null || year === null) return 'incomplete date';
    if (month < 1 || month > 12 || day < 1 || day > DAYS[month - 1]! || year < 1980 || year > 2999) return 'date out of range';
  }
  return { type: 'ZDA', time, day, month, year, zoneHours: r.int(5), zoneMinutes: r.int(6) };
}
