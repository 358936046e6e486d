/**
 * NMEA 0183 checksum (IEC 61162-1 §7.2.3): XOR of every byte between `$`/`!` and `*`,
 * written as two upper-case hex digits. Shared by the decoder and the simulator, which
 * sit in different rooms, so it lives outside both.
 */
export function nmeaChecksum(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum ^= body.charCodeAt(i) & 0xff;
  return sum;
}

/** `GPRMC,...` → `$GPRMC,...*XX` */
export function withChecksum(body: string): string {
  return `$${body}*${nmeaChecksum(body).toString(16).toUpperCase().padStart(2, '0')}`;
}
