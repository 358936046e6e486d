import type { FixStatus } from '../../core/fix.js';

/**
 * The FAA mode indicator (NMEA 2.3+: RMC 12, GLL 7, VTG 9, and one letter per constellation
 * in GNS 6). NMEA 4.11 letters: A autonomous, D differential, E estimated (dead reckoning),
 * F float RTK, M manual input, N not valid, P precise, R RTK integer, S simulator.
 * Quectel also sends C (caution) and U (unsafe); some receivers send V for invalid.
 */

/** The receiver says there is no usable position. */
export function faaSaysInvalid(mode: string | null): boolean {
  return mode === 'N' || mode === 'V';
}

/**
 * Letters whose time comes from tracked satellites. Dead reckoning (E) coasts on the
 * receiver's oscillator, a simulator (S) invents everything and Quectel's U (unsafe) is
 * its own warning, so those never make a fix time-valid. Manual input (M) is a surveyed
 * position, the normal state of a timing receiver, and its time is satellite time.
 */
export function faaFromSatellites(mode: string | null): boolean {
  return mode === null || 'ADFPRCM'.includes(mode);
}

/** gpsd's fix status for a mode letter (gps.h STATUS_*); null when it says nothing. */
export function faaStatus(mode: string | null): FixStatus | null {
  switch (mode) {
    case 'A':
    case 'C':
      return 1;
    case 'D':
    case 'P':
      return 2;
    case 'R':
      return 3;
    case 'F':
      return 4;
    case 'E':
      return 5;
    case 'M':
      return 7;
    case 'S':
      return 8;
    default:
      return null;
  }
}

/** GGA fix quality (NMEA 4.11 GGA field 6) as a gpsd status. */
export function ggaQualityStatus(quality: number | null): FixStatus | null {
  switch (quality) {
    case 1:
    case 3: // PPS/"precise positioning service": a valid fix, nothing more specific
      return 1;
    case 2:
      return 2;
    case 4:
      return 3;
    case 5:
      return 4;
    case 6:
      return 5;
    case 7:
      return 7;
    case 8:
      return 8;
    default:
      return null;
  }
}
