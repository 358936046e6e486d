import { FieldError } from './parse-result.js';

/**
 * Typed reads of one CSV record of `chronyc -c`. chronyc's CSV mode prints the fields of its
 * human report without units or padding (client.c, print_report): numbers as plain decimals,
 * offsets in seconds with 9 decimals, frequencies in ppm with 3, the reach register in octal.
 * Names never contain commas with `-n` (addresses and refids), so a plain split is exact.
 */
export class CsvRecord {
  constructor(
    private readonly fields: readonly string[],
    private readonly what: string,
  ) {}

  static split(line: string, expected: number, what: string): CsvRecord {
    const fields = line.split(',');
    if (fields.length !== expected) {
      throw new FieldError(`${what}: expected ${expected} comma-separated fields, got ${fields.length}: ${clip(line)}`);
    }
    return new CsvRecord(fields, what);
  }

  text(i: number): string {
    return this.fields[i] ?? '';
  }

  float(i: number, name: string): number {
    const raw = this.text(i);
    const v = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(raw) ? Number(raw) : NaN;
    if (!Number.isFinite(v)) throw new FieldError(`${this.what}: ${name} is not a number: ${clip(raw)}`);
    return v;
  }

  int(i: number, name: string): number {
    const raw = this.text(i);
    if (!/^[+-]?\d+$/.test(raw)) throw new FieldError(`${this.what}: ${name} is not an integer: ${clip(raw)}`);
    return Number(raw);
  }

  octal(i: number, name: string): number {
    const raw = this.text(i);
    if (!/^[0-7]{1,3}$/.test(raw)) throw new FieldError(`${this.what}: ${name} is not an octal register: ${clip(raw)}`);
    return parseInt(raw, 8);
  }

  oneOf<T extends string>(i: number, name: string, table: Readonly<Record<string, T>>): T {
    const raw = this.text(i);
    const v = Object.prototype.hasOwnProperty.call(table, raw) ? table[raw] : undefined;
    if (v === undefined) throw new FieldError(`${this.what}: unknown ${name} ${JSON.stringify(clip(raw))}`);
    return v;
  }
}

export function clip(s: string, max = 80): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** The lines of a command's output, without the empty ones (chronyc ends with a newline). */
export function nonEmptyLines(out: string): string[] {
  return out.split(/\r?\n/).filter((l) => l.trim() !== '');
}
