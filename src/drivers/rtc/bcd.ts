/**
 * Binary-coded decimal, as both RTC chips store every time field (DS3231 datasheet, Table 1;
 * PCF8523 datasheet, section 8.5): tens in the high nibble, units in the low one.
 */
export function toBcd(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 99) throw new RangeError(`BCD: ${value} is not 0-99`);
  return ((Math.floor(value / 10) << 4) | value % 10) & 0xff;
}

/** Decodes the bits under `mask`; throws on a nibble above 9 (a corrupt or unset register). */
export function fromBcd(byte: number, mask = 0xff): number {
  const b = byte & mask;
  const tens = b >> 4;
  const units = b & 0x0f;
  if (tens > 9 || units > 9) throw new RangeError(`BCD: 0x${b.toString(16)} is not a decimal byte`);
  return tens * 10 + units;
}

/**
 * Hours field of both chips. 24 h: BCD 0-23 in bits 5-0. 12 h (DS3231 bit 6 set; PCF8523
 * Control_1 12_24 set): BCD 1-12 in bits 4-0, PM in bit 5.
 */
export function decodeHours(byte: number, twelveHour: boolean): number {
  if (!twelveHour) return fromBcd(byte, 0x3f);
  const h12 = fromBcd(byte, 0x1f);
  if (h12 < 1 || h12 > 12) throw new RangeError(`12 h hours register holds ${h12}`);
  const pm = (byte & 0x20) !== 0;
  return (h12 % 12) + (pm ? 12 : 0);
}

export function encodeHours(hours: number, twelveHour: boolean): number {
  if (!twelveHour) return toBcd(hours);
  const h12 = hours % 12 === 0 ? 12 : hours % 12;
  return toBcd(h12) | (hours >= 12 ? 0x20 : 0);
}

/** Calendar fields of a UTC instant, whole seconds (the chips have no sub-second register). */
export interface RtcFields {
  year: number; // full year
  month: number; // 1-12
  date: number; // 1-31
  weekday: number; // 0 = Sunday
  hours: number;
  minutes: number;
  seconds: number;
}

export function fieldsOf(utcMs: number): RtcFields {
  const d = new Date(Math.floor(utcMs / 1000) * 1000);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    date: d.getUTCDate(),
    weekday: d.getUTCDay(),
    hours: d.getUTCHours(),
    minutes: d.getUTCMinutes(),
    seconds: d.getUTCSeconds(),
  };
}

/** UTC ms of the fields; throws when they name no real date (Feb 30, month 13). */
export function msOf(f: RtcFields): number {
  const ms = Date.UTC(f.year, f.month - 1, f.date, f.hours, f.minutes, f.seconds);
  const back = fieldsOf(ms);
  if (back.month !== f.month || back.date !== f.date || f.hours > 23 || f.minutes > 59 || f.seconds > 59) {
    throw new RangeError(`RTC holds an impossible date ${f.year}-${f.month}-${f.date} ${f.hours}:${f.minutes}:${f.seconds}`);
  }
  return ms;
}
