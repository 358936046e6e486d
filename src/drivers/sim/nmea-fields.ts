/**
 * Field formatting for the simulated receiver, in the widths a u-blox M8 prints
 * (u-blox M8 Receiver Description, "NMEA Protocol"): time with centiseconds, latitude
 * ddmm.mmmmm, longitude dddmm.mmmmm. An absent value is an empty field.
 */

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** `hhmmss.ss` */
export function nmeaTime(utcMs: number): string {
  const d = new Date(utcMs);
  const centis = Math.floor(d.getUTCMilliseconds() / 10);
  return `${pad(d.getUTCHours(), 2)}${pad(d.getUTCMinutes(), 2)}${pad(d.getUTCSeconds(), 2)}.${pad(centis, 2)}`;
}

/** RMC's `ddmmyy` */
export function nmeaDate(utcMs: number): string {
  const d = new Date(utcMs);
  return `${pad(d.getUTCDate(), 2)}${pad(d.getUTCMonth() + 1, 2)}${pad(d.getUTCFullYear() % 100, 2)}`;
}

/** ZDA's `dd,mm,yyyy` */
export function nmeaZdaDate(utcMs: number): string {
  const d = new Date(utcMs);
  return `${pad(d.getUTCDate(), 2)},${pad(d.getUTCMonth() + 1, 2)},${pad(d.getUTCFullYear(), 4)}`;
}

/**
 * Degrees and decimal minutes with 5 decimals, rounded once on the whole value so that
 * 59.999996' becomes the next degree rather than "60.00000".
 */
function degMin(deg: number, degWidth: number): string {
  const units = Math.round(Math.abs(deg) * 60 * 1e5); // 1e-5 arc-minutes
  const whole = Math.floor(units / (60 * 1e5));
  const minUnits = units - whole * 60 * 1e5;
  const minutes = `${pad(Math.floor(minUnits / 1e5), 2)}.${pad(minUnits % 1e5, 5)}`;
  return `${pad(whole, degWidth)}${minutes}`;
}

/** `ddmm.mmmmm,N` */
export function nmeaLat(lat: number): string {
  return `${degMin(lat, 2)},${lat < 0 ? 'S' : 'N'}`;
}

/** `dddmm.mmmmm,E` */
export function nmeaLon(lon: number): string {
  return `${degMin(lon, 3)},${lon < 0 ? 'W' : 'E'}`;
}

export function fixed(value: number | null, decimals: number): string {
  return value === null ? '' : value.toFixed(decimals);
}

export function zeroPadded(value: number | null, width: number): string {
  return value === null ? '' : pad(Math.round(value), width);
}
