import type { GnssId } from '../../core/fix.js';

/**
 * Satellite numbering. NMEA started with GPS PRNs 1-32 and every vendor then squeezed the
 * other constellations into that one field its own way; NMEA 4.10 added a system id (GSA
 * field 18) and per-constellation talkers. We report satellites the way gpsd does
 * (gpsd_json(5) "PRN, GNSS id, SV id"), so gpsd clients see the same numbers:
 *
 *   constellation  gnssid  svid      PRN
 *   GPS            0       1-32      1-32
 *   SBAS           1       120-158   as sent (33-64 or 120-158)
 *   Galileo        2       1-36      301-336
 *   BeiDou         3       1-63      401-463
 *   IMES           4       1-10      173-182
 *   QZSS           5       1-10      193-202
 *   GLONASS        6       1-32      65-96
 *   NavIC          7       1-14      501-514
 */

export const GNSS = { GPS: 0, SBAS: 1, GALILEO: 2, BEIDOU: 3, IMES: 4, QZSS: 5, GLONASS: 6, NAVIC: 7 } as const;

export interface SatelliteIdentity {
  PRN: number;
  gnssid: GnssId;
  svid: number;
}

/** NMEA 4.10 system id (GSA field 18, GBS field 9) to gpsd's gnssid. */
export function gnssFromSystemId(systemId: number | null): GnssId | null {
  switch (systemId) {
    case 1:
      return GNSS.GPS;
    case 2:
      return GNSS.GLONASS;
    case 3:
      return GNSS.GALILEO;
    case 4:
      return GNSS.BEIDOU;
    case 5:
      return GNSS.QZSS;
    case 6:
      return GNSS.NAVIC;
    default:
      return null;
  }
}

/** Talkers that name one constellation (NMEA 4.11 table 4). GP and GN need the number ranges. */
export function gnssFromTalker(talker: string): GnssId | null {
  switch (talker) {
    case 'GA':
      return GNSS.GALILEO;
    case 'GB':
    case 'BD':
    case 'PQ': // Quectel EC2x: $PQGSV/$PQGSA without a system id are BeiDou
      return GNSS.BEIDOU;
    case 'GL':
      return GNSS.GLONASS;
    case 'GQ':
    case 'QZ':
      return GNSS.QZSS;
    case 'GI':
      return GNSS.NAVIC;
    default:
      return null;
  }
}

const inRange = (n: number, lo: number, hi: number): boolean => n >= lo && n <= hi;

function make(gnssid: GnssId, svid: number, PRN: number): SatelliteIdentity {
  return { PRN, gnssid, svid };
}

/** A number from a talker/system that names the constellation; vendors offset some of them. */
function withinConstellation(gnssid: GnssId, n: number): SatelliteIdentity | null {
  switch (gnssid) {
    case GNSS.GLONASS: {
      // NMEA 4.10 allows 1-32 under GL; most receivers keep the legacy 65-96.
      const svid = inRange(n, 1, 32) ? n : inRange(n, 65, 96) ? n - 64 : 0;
      return svid ? make(gnssid, svid, 64 + svid) : null;
    }
    case GNSS.GALILEO: {
      // 101-136: Quectel; 301-336: Jackson Labs (gpsd driver_nmea0183.c notes).
      const svid = inRange(n, 1, 36) ? n : inRange(n, 101, 136) ? n - 100 : inRange(n, 301, 336) ? n - 300 : 0;
      return svid ? make(gnssid, svid, 300 + svid) : null;
    }
    case GNSS.BEIDOU: {
      // 201-263: Quectel and SiRF; 401-463: Jackson Labs and NMEA 4.11's extended range.
      const svid = inRange(n, 1, 63) ? n : inRange(n, 201, 263) ? n - 200 : inRange(n, 401, 463) ? n - 400 : 0;
      return svid ? make(gnssid, svid, 400 + svid) : null;
    }
    case GNSS.QZSS: {
      // 193-202: u-blox and Telit send QZSS in the legacy range even under a QZSS system id.
      const svid = inRange(n, 1, 10) ? n : inRange(n, 193, 202) ? n - 192 : 0;
      return svid ? make(gnssid, svid, 192 + svid) : null;
    }
    case GNSS.NAVIC:
      return inRange(n, 1, 14) ? make(gnssid, n, 500 + n) : null;
    default:
      return byRange(n);
  }
}

/** Legacy (NMEA 2.x-4.0) ranges, for GP/GN talkers and the GPS system id. */
function byRange(n: number): SatelliteIdentity | null {
  if (inRange(n, 1, 32)) return make(GNSS.GPS, n, n);
  // SBAS 33-64 are PRN 120-151 minus 87 (NMEA 4.0 note on GSV).
  if (inRange(n, 33, 64)) return make(GNSS.SBAS, n + 87, n);
  if (inRange(n, 65, 96)) return make(GNSS.GLONASS, n - 64, n);
  if (inRange(n, 120, 158)) return make(GNSS.SBAS, n, n);
  if (inRange(n, 173, 182)) return make(GNSS.IMES, n - 172, n);
  if (inRange(n, 193, 199)) return make(GNSS.QZSS, n - 192, n);
  if (inRange(n, 201, 263)) return make(GNSS.BEIDOU, n - 200, n + 200);
  if (inRange(n, 301, 336)) return make(GNSS.GALILEO, n - 300, n);
  if (inRange(n, 401, 463)) return make(GNSS.BEIDOU, n - 400, n);
  if (inRange(n, 501, 514)) return make(GNSS.NAVIC, n - 500, n);
  if (inRange(n, 901, 914)) return make(GNSS.NAVIC, n - 900, n - 400); // Allystar NavIC
  return null;
}

/**
 * Identify satellite number `n` as sent under `talker`, with the NMEA 4.10 system id when
 * the sentence carried one. Null when the number fits no known scheme.
 */
export function identifySatellite(talker: string, n: number, systemId: number | null): SatelliteIdentity | null {
  if (!Number.isInteger(n) || n < 1) return null;
  const gnssid = gnssFromSystemId(systemId) ?? gnssFromTalker(talker);
  if (gnssid === null || gnssid === GNSS.GPS) return byRange(n);
  return withinConstellation(gnssid, n);
}
