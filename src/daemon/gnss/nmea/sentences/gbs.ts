/**
 * GBS — GNSS Satellite Fault Detection (NMEA 0183 4.11; RAIM output).
 *
 *   $GNGBS,082941.00,2.4,1.5,3.9,25,,-43.7,27.5,1,1*hh
 *    1  hhmmss.ss  UTC time of the associated GGA/GNS fix
 *    2  expected latitude error, metres (1 sigma)
 *    3  expected longitude error, metres
 *    4  expected altitude error, metres
 *    5  id of the most likely failed satellite
 *    6  probability of missed detection
 *    7  bias estimate of the failed satellite, metres
 *    8  standard deviation of the bias
 *    9  system id (NMEA 4.10+)
 *   10  signal id (NMEA 4.10+)
 */
import type { FieldReader } from '../field-reader.js';
import type { GbsSentence } from '../sentence-types.js';

export function decodeGbs(r: FieldReader): GbsSentence | string {
  if (r.count < 5) return 'too few fields';
  const time = r.time(1);
  if (r.invalid.length > 0) return 'bad time';
  return {
    type: 'GBS',
    time,
    latErr: r.num(2),
    lonErr: r.num(3),
    altErr: r.num(4),
    failedSatId: r.int(5),
    systemId: r.hexDigit(9),
    signalId: r.hexDigit(10),
  };
}
