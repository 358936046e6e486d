/**
 * GNS — GNSS Fix Data (NMEA 0183 4.0+), the multi-constellation GGA.
 *
 *   $GNGNS,224749.00,3333.4268304,N,11153.3538273,W,DDN,19,0.6,406.110,-26.294,6.0,0138,S*hh
 *    1  hhmmss.ss   UTC time of the position
 *    2,3 ddmm.mm,N|S  latitude
 *    4,5 dddmm.mm,E|W longitude
 *    6  mode indicator, one FAA letter per constellation in the order GPS, GLONASS,
 *       Galileo, BeiDou, QZSS, NavIC (NMEA 4.11); N = no fix for that constellation
 *    7  satellites in use
 *    8  HDOP
 *    9  altitude above mean sea level, metres
 *   10  geoid separation, metres
 *   11  age of differential data, seconds
 *   12  differential reference station id
 *   13  navigational status (NMEA 4.10+): S safe, C caution, U unsafe, V not valid
 */
import type { FieldReader } from '../field-reader.js';
import type { GnsSentence } from '../sentence-types.js';
import { validDop } from './dop.js';

export function decodeGns(r: FieldReader): GnsSentence | string {
  if (r.count < 10) return 'too few fields';
  const time = r.time(1);
  const position = r.latLon(2);
  const modes = r.str(6);
  if (r.invalid.length > 0 || !/^[A-Z]{0,8}$/.test(modes)) return 'bad time, position or mode';
  return {
    type: 'GNS',
    time,
    position,
    modes: modes === '' ? null : modes,
    satsUsed: r.int(7),
    hdop: validDop(r.num(8)),
    altMSL: r.num(9),
    geoidSep: r.num(10),
    dgpsAge: r.num(11),
    dgpsStation: r.int(12),
    navStatus: r.letter(13),
  };
}
