/**
 * Writes small TZif files (RFC 8536) for tests, byte by byte from the RFC's layout, so the
 * reader is checked against the format and not against itself.
 */

export interface FixtureType {
  utoff: number;
  isdst: boolean;
  abbr: string;
}

export interface FixtureSpec {
  /** 1, 2, 3 or 4 */
  version: number;
  transitions: number[];
  /** the type index of each transition */
  idx: number[];
  types: FixtureType[];
  /** the footer's TZ string (version 2+); '' for an empty footer */
  footer?: string;
  /** [occurrence, correction] leap-second records */
  leaps?: [number, number][];
  /** write isstd/isut indicators (one per type) */
  indicators?: boolean;
}

function block(spec: FixtureSpec, timeSize: 4 | 8): { counts: number[]; body: Buffer } {
  // The v1 block of a v2+ file holds only the 32-bit-representable transitions (as zic does).
  const keep = spec.transitions.map((t, k) => [t, spec.idx[k] as number] as const).filter(([t]) => timeSize === 8 || (t >= -(2 ** 31) && t < 2 ** 31));
  let chars = '';
  const desig = spec.types.map((ty) => {
    const at = chars.indexOf(`${ty.abbr}\0`);
    if (at >= 0) return at;
    chars += `${ty.abbr}\0`;
    return chars.length - ty.abbr.length - 1;
  });
  const leaps = spec.leaps ?? [];
  const ind = spec.indicators ? spec.types.length : 0;
  const parts: Buffer[] = [];
  const times = Buffer.alloc(keep.length * timeSize);
  keep.forEach(([t], k) => (timeSize === 4 ? times.writeInt32BE(t, k * 4) : times.writeBigInt64BE(BigInt(t), k * 8)));
  parts.push(times, Buffer.from(keep.map(([, i]) => i)));
  for (const [k, ty] of spec.types.entries()) {
    const rec = Buffer.alloc(6);
    rec.writeInt32BE(ty.utoff, 0);
    rec[4] = ty.isdst ? 1 : 0;
    rec[5] = desig[k] as number;
    parts.push(rec);
  }
  parts.push(Buffer.from(chars, 'latin1'));
  for (const [occ, corr] of leaps) {
    const rec = Buffer.alloc(timeSize + 4);
    if (timeSize === 4) rec.writeInt32BE(occ, 0);
    else rec.writeBigInt64BE(BigInt(occ), 0);
    rec.writeInt32BE(corr, timeSize);
    parts.push(rec);
  }
  parts.push(Buffer.alloc(ind), Buffer.alloc(ind));
  // counts in header order: isutcnt isstdcnt leapcnt timecnt typecnt charcnt
  return { counts: [ind, ind, leaps.length, keep.length, spec.types.length, chars.length], body: Buffer.concat(parts) };
}

function header(version: number, counts: number[]): Buffer {
  const h = Buffer.alloc(44);
  h.write('TZif', 0, 'latin1');
  h[4] = version === 1 ? 0 : 0x30 + version;
  counts.forEach((c, k) => h.writeUInt32BE(c, 20 + 4 * k));
  return h;
}

export function buildTzif(spec: FixtureSpec): Buffer {
  const b1 = block(spec, 4);
  const out = [header(spec.version, b1.counts), b1.body];
  if (spec.version >= 2) {
    const b2 = block(spec, 8);
    out.push(header(spec.version, b2.counts), b2.body, Buffer.from(`\n${spec.footer ?? ''}\n`, 'latin1'));
  }
  return Buffer.concat(out);
}
