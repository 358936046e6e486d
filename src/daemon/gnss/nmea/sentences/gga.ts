/**
 * GGA — Global Positioning System Fix Data (NMEA 0183 4.11).
 *
 *   $GPGGA,123519.00,4807.038,N,01131.324,E,1,08,0.9,545.4,M,46.9,M,,*hh
 *    1  hhmmss.ss   UTC time of the position (no date: it is carried from RMC/ZDA)
 *    2,3 ddmm.mm,N|S  latitude
 *    4,5 dddmm.mm,E|W longitude
 *    6  quality: 0 invalid, 1 GPS, 2 DGPS, 3 PPS, 4 RTK fixed, 5 RTK float,
 *       6 estimated (dead reckoning), 7 manual input, 8 simulator
 *    7  satellites in use (00-12; more on modern receivers)
 *    8  HDOP
 *    9,10 altitude above mean sea level, M
 *   11,12 geoid separation (ellipsoid to geoid), M
 *   13  age of differential corrections, seconds
 *   14  differential reference station id
 */
import type { FieldReader } from '../field-reader.js';
import type { GgaSentence } from '../sentence-types.js';
import { validDop } from './dop.js';

export function decodeGga(r: FieldReader): GgaSentence | string {
  if (r.count < 10) return 'too few fields';
  const time = r.time(1);
  const position = r.latLon(2);
  const quality = r.int(6);
  if (r.isInvalid(1) || r.isInvalid(6)) return 'bad time or quality';
  // Quality 0 with a filler position (Transystem TR737: 8960.0000,N) is still "no fix".
  if (position === null && r.invalid.length > 0 && quality !== 0) return 'bad position';
  return {
    type: 'GGA',
    time,
    position,
    quality,
    satsUsed: r.int(7),
    hdop: validDop(r.num(8)),
    altMSL: r.num(9),
    geoidSep: r.num(11),
    dgpsAge: r.num(13),
    dgpsStation: r.int(14),
  };
}
