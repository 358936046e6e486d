/**
 * GST — GNSS Pseudorange Error Statistics (NMEA 0183 4.11).
 *
 *   $GPGST,172814.0,0.006,0.023,0.020,273.6,0.023,0.020,0.031*hh
 *    1  hhmmss.ss  UTC time of the associated GGA fix
 *    2  RMS of the pseudorange residuals
 *    3  error ellipse semi-major axis, 1 sigma, metres
 *    4  error ellipse semi-minor axis, 1 sigma, metres
 *    5  orientation of the semi-major axis, degrees from true north
 *    6  latitude error, 1 sigma, metres
 *    7  longitude error, 1 sigma, metres
 *    8  altitude error, 1 sigma, metres
 */
import type { FieldReader } from '../field-reader.js';
import type { GstSentence } from '../sentence-types.js';

export function decodeGst(r: FieldReader): GstSentence | string {
  if (r.count < 9) return 'too few fields';
  const time = r.time(1);
  if (r.invalid.length > 0) return 'bad time';
  return {
    type: 'GST',
    time,
    rms: r.num(2),
    major: r.num(3),
    minor: r.num(4),
    orient: r.num(5),
    latErr: r.num(6),
    lonErr: r.num(7),
    altErr: r.num(8),
  };
}
