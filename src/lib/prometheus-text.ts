/**
 * A small writer for the Prometheus text exposition format (version 0.0.4), shared by the
 * appliance's `GET /metrics` and the collector's. It only knows the format: HELP/TYPE lines,
 * label escaping, number formatting, name validation. Which metrics exist is the caller's business.
 *
 * Format rules it enforces (https://prometheus.io/docs/instrumenting/exposition_formats/):
 * - metric names match [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]* and not `__*`;
 * - HELP text escapes `\` and newline; label values escape `\`, `"` and newline;
 * - values are Go-style floats: `NaN`, `+Inf`, `-Inf` spelled out;
 * - each family appears once, its samples together, HELP and TYPE before them.
 * A counter's name must end in `_total` (what `promtool check metrics` asks for).
 * A sample whose value is null/undefined is skipped (unknown is absent, never 0); a family with no
 * samples left is omitted entirely, so a scrape never shows a HELP line with nothing under it.
 * Programming errors (bad names, a family written twice) throw: they are bugs, not input.
 */

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type LabelValue = string | number | boolean;
export type Labels = Readonly<Record<string, LabelValue | null | undefined>>;

/** One sample of a gauge or counter. A label whose value is null/undefined is left out. */
export interface Sample {
  readonly labels?: Labels;
  readonly value: number | bigint | boolean | null | undefined;
}

/** One histogram series: `buckets` are (upper bound, cumulative count) pairs, +Inf is added from `count`. */
export interface HistogramSeries {
  readonly labels?: Labels;
  readonly buckets: ReadonlyArray<readonly [le: number, cumulativeCount: number]>;
  readonly sum: number;
  readonly count: number;
}

/** Either a single unlabelled value or a list of samples. */
export type Samples = number | bigint | boolean | null | undefined | ReadonlyArray<Sample>;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export class MetricsWriter {
  private readonly lines: string[] = [];
  private readonly seen = new Set<string>();

  /** A value that can go up and down. */
  gauge(name: string, help: string, samples: Samples): this {
    return this.family(name, help, 'gauge', samples);
  }

  /** A monotonically increasing count; `name` must end in `_total`. */
  counter(name: string, help: string, samples: Samples): this {
    if (!name.endsWith('_total')) throw new Error(`counter ${name} must end in _total`);
    return this.family(name, help, 'counter', samples);
  }

  /** A value of unknown type (use sparingly; gauge is almost always what is meant). */
  untyped(name: string, help: string, samples: Samples): this {
    return this.family(name, help, 'untyped', samples);
  }

  /**
   * An `*_info` style gauge: value 1 with the facts as labels (Prometheus' convention for build
   * and version information).
   */
  info(name: string, help: string, labels: Labels): this {
    return this.family(name, help, 'gauge', [{ labels, value: 1 }]);
  }

  /** A histogram: emits `name_bucket{le=…}`, `name_sum`, `name_count` per series. */
  histogram(name: string, help: string, series: ReadonlyArray<HistogramSeries>): this {
    this.claim(name);
    if (series.length === 0) return this;
    const out: string[] = [];
    for (const s of series) {
      let last = -Infinity;
      for (const [le, count] of s.buckets) {
        if (!(le > last)) throw new Error(`histogram ${name}: bucket bounds must increase`);
        if (le === Infinity) continue; // +Inf is written once below, from count
        last = le;
        out.push(sampleLine(`${name}_bucket`, { ...s.labels, le: formatValue(le) }, count));
      }
      out.push(sampleLine(`${name}_bucket`, { ...s.labels, le: '+Inf' }, s.count));
      out.push(sampleLine(`${name}_sum`, s.labels, s.sum));
      out.push(sampleLine(`${name}_count`, s.labels, s.count));
    }
    this.lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} histogram`, ...out);
    return this;
  }

  /** The exposition text, ending in a newline (empty string when nothing was written). */
  text(): string {
    return this.lines.length === 0 ? '' : `${this.lines.join('\n')}\n`;
  }

  private family(name: string, help: string, type: 'gauge' | 'counter' | 'untyped', samples: Samples): this {
    this.claim(name);
    const list: ReadonlyArray<Sample> = isSampleList(samples) ? samples : [{ value: samples }];
    const out: string[] = [];
    const keys = new Set<string>();
    for (const s of list) {
      const v = toNumber(s.value);
      if (v === null) continue;
      const line = sampleLine(name, s.labels, v);
      const key = line.slice(0, line.lastIndexOf(' '));
      if (keys.has(key)) throw new Error(`metric ${name}: duplicate series ${key}`);
      keys.add(key);
      out.push(line);
    }
    if (out.length === 0) return this;
    this.lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`, ...out);
    return this;
  }

  private claim(name: string): void {
    if (!METRIC_NAME.test(name)) throw new Error(`invalid metric name ${JSON.stringify(name)}`);
    if (this.seen.has(name)) throw new Error(`metric family ${name} written twice`);
    this.seen.add(name);
  }
}

/** Escapes a HELP docstring: backslash and newline. */
export function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Escapes a label value: backslash, double quote and newline. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Formats a sample value the way Prometheus parses it (Go ParseFloat syntax). */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (Object.is(value, -0)) return '0';
  return String(value);
}

/** Renders `{a="x",b="y"}` (sorted by name, so output is stable), or '' for no labels. */
export function formatLabels(labels: Labels | undefined): string {
  if (!labels) return '';
  const parts: string[] = [];
  for (const key of Object.keys(labels).sort()) {
    const v = labels[key];
    if (v === null || v === undefined) continue;
    if (!LABEL_NAME.test(key) || key.startsWith('__')) throw new Error(`invalid label name ${JSON.stringify(key)}`);
    parts.push(`${key}="${escapeLabelValue(String(v))}"`);
  }
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function sampleLine(name: string, labels: Labels | undefined, value: number): string {
  return `${name}${formatLabels(labels)} ${formatValue(value)}`;
}

function toNumber(v: Sample['value']): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return Number(v);
  return v;
}

function isSampleList(s: Samples): s is ReadonlyArray<Sample> {
  return Array.isArray(s);
}
