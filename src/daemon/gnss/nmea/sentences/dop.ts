/**
 * Receivers fill DOP fields they cannot compute with sentinels instead of leaving them
 * empty: 99.99 (BT-451), 99.0 (Jackson Labs), 0.00 (Skytraq) — noted in gpsd's NMEA
 * driver. A real DOP is never 0 and is useless long before 99, so these read as "not known".
 */
export function validDop(v: number | null): number | null {
  return v !== null && v > 0 && v < 99 ? v : null;
}
