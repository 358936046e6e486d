import type { UtcTime } from './utc-time.js';

/** gpsd's fix mode: 0 unknown (no report yet), 1 no fix, 2 two-dimensional, 3 three-dimensional. */
export type FixMode = 0 | 1 | 2 | 3;

/**
 * gpsd's fix status (gps.h STATUS_*): 0 unknown, 1 GPS, 2 DGPS, 3 RTK fixed, 4 RTK float,
 * 5 dead reckoning, 6 GNSS + dead reckoning, 7 time only (surveyed), 8 simulated.
 */
export type FixStatus = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

/** gpsd's gnssid numbering (u-blox): 0 GPS, 1 SBAS, 2 Galileo, 3 BeiDou, 4 IMES, 5 QZSS, 6 GLONASS, 7 NavIC. */
export type GnssId = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

export interface SatelliteView {
  PRN: number; // gpsd's PRN numbering (NMEA 4.x, with gpsd's remapping for non-GPS)
  gnssid: GnssId | null;
  svid: number | null;
  sigid: number | null; // NMEA 4.10 signal id, mapped to gpsd's sigid, when the receiver sends one
  el: number | null; // degrees
  az: number | null; // degrees
  ss: number | null; // dB-Hz
  used: boolean;
}

/** One navigation epoch: every sentence the receiver sent for the same UTC time, merged. */
export interface Fix {
  time: UtcTime | null;
  mode: FixMode;
  status: FixStatus | null;
  leapSeconds: number | null; // GPS-UTC when the receiver says
  lat: number | null; // degrees, + north
  lon: number | null; // degrees, + east
  altHAE: number | null; // metres above the WGS84 ellipsoid
  altMSL: number | null; // metres above mean sea level
  geoidSep: number | null; // metres
  speed: number | null; // m/s over ground
  track: number | null; // degrees true
  magvar: number | null; // degrees, + east
  climb: number | null; // m/s
  eph: number | null; // estimated horizontal position error, metres
  epv: number | null; // estimated vertical position error, metres
  /** Estimated spherical (3D) position error, metres (Garmin $PGRME EPE); absent when no sentence gives one. */
  sep?: number | null;
  /** Wall-clock ms (Date.now()) when the epoch's first sentence arrived. */
  receivedAt: number;
  /** Sentence types (RMC, GGA, ...) that contributed to this epoch. */
  sentences: string[];
}

export interface Sky {
  time: UtcTime | null;
  nSat: number | null; // satellites in view
  uSat: number | null; // satellites used in the solution
  hdop: number | null;
  pdop: number | null;
  vdop: number | null;
  satellites: SatelliteView[];
}
