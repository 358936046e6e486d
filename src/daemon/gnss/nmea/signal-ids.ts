import type { GnssId } from '../../core/fix.js';
import { GNSS } from './satellite-ids.js';

/**
 * NMEA 4.11 signal ids (GSV's trailing field, NMEA 4.11 table 20) mapped to the u-blox sigid
 * numbering gpsd reports (gpsd_json(5) sigid table; u-blox F9 interface description,
 * "Signal identifiers"). Signals without a u-blox counterpart map to null ("not known")
 * rather than to a wrong number. NMEA signal id 0 means "all signals" and maps to null too.
 */
const TABLE: Partial<Record<GnssId, Record<number, number>>> = {
  // 1 L1 C/A, 5 L2C-M, 6 L2C-L, 7 L5-I, 8 L5-Q
  [GNSS.GPS]: { 1: 0, 5: 4, 6: 3, 7: 6, 8: 7 },
  // SBAS has only L1 C/A in practice
  [GNSS.SBAS]: { 1: 0 },
  // 1 G1 C/A, 3 G2 C/A
  [GNSS.GLONASS]: { 1: 0, 3: 2 },
  // 1 E5a, 2 E5b, 4 E6-A, 5 E6-BC, 7 E1-BC; Quectel labels E1 as 6 (L1-A)
  [GNSS.GALILEO]: { 1: 3, 2: 5, 4: 10, 5: 8, 6: 0, 7: 0 },
  // 1 B1I, 3 B1C, 5 B2a, 11 B2I
  [GNSS.BEIDOU]: { 1: 0, 3: 5, 5: 7, 11: 2 },
  // 1 L1 C/A, 4 L1S, 5 L2C-M, 6 L2C-L, 7 L5-I, 8 L5-Q
  [GNSS.QZSS]: { 1: 0, 4: 1, 5: 4, 6: 5, 7: 8, 8: 9 },
  // 1 L5 SPS
  [GNSS.NAVIC]: { 1: 0 },
};

export function mapSignalId(gnssid: GnssId | null, nmeaSignalId: number | null): number | null {
  if (gnssid === null || nmeaSignalId === null) return null;
  return TABLE[gnssid]?.[nmeaSignalId] ?? null;
}
