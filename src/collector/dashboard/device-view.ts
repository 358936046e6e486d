import type { Aggregate } from '../../fleet-wire/aggregate.js';
import type { EventRow, Resolution, TelemetryRow } from '../store/fleet-store.js';
import { summarize, type Summary } from './percentiles.js';

/**
 * A device page as data (pure): the chart columns, the alarm timeline and the percentile
 * table. Chart values stay in SI units (seconds, ppm, dB-Hz); the client scales them by the
 * unit chosen here, so appended live points keep the page's unit.
 */

export const RANGES = {
  '1h': { ms: 3600_000, resolution: 'raw' },
  '6h': { ms: 6 * 3600_000, resolution: 'raw' },
  '24h': { ms: 24 * 3600_000, resolution: '1m' },
  '7d': { ms: 7 * 86_400_000, resolution: '1h' },
  '30d': { ms: 30 * 86_400_000, resolution: '1h' },
} as const satisfies Record<string, { ms: number; resolution: Resolution }>;
export type RangeName = keyof typeof RANGES;
export const DEFAULT_RANGE: RangeName = '1h';

export function parseRange(v: string | null): RangeName {
  return v !== null && Object.hasOwn(RANGES, v) ? (v as RangeName) : DEFAULT_RANGE;
}

/** Appliance clocks may run ahead of the collector's; a window that ends at "now" would hide them. */
export const FUTURE_SLACK_MS = 3600_000;

export function windowOf(range: RangeName, now: number): { from: number; to: number; resolution: Resolution } {
  const r = RANGES[range];
  return { from: now - r.ms, to: now + FUTURE_SLACK_MS, resolution: r.resolution };
}

/** Column-oriented series, uPlot's data layout: t in ms, null where unknown. */
export interface ChartColumns {
  t: number[];
  offMin: (number | null)[];
  offMax: (number | null)[];
  offMean: (number | null)[];
  offRms: (number | null)[];
  freq: (number | null)[];
  jitter: (number | null)[];
  ppsOffset: (number | null)[];
  sats: (number | null)[];
  cno: (number | null)[];
}

export function chartColumns(rows: readonly TelemetryRow[]): ChartColumns {
  const c: ChartColumns = { t: [], offMin: [], offMax: [], offMean: [], offRms: [], freq: [], jitter: [], ppsOffset: [], sats: [], cno: [] };
  for (const r of [...rows].sort((a, b) => a.at - b.at)) {
    const b = r.body;
    c.t.push(r.at);
    c.offMin.push(b.offsetS?.min ?? null);
    c.offMax.push(b.offsetS?.max ?? null);
    c.offMean.push(b.offsetS?.mean ?? null);
    c.offRms.push(b.offsetS?.rms ?? null);
    c.freq.push(b.frequencyPpm?.mean ?? null);
    c.jitter.push(b.ppsJitterS?.mean ?? null);
    c.ppsOffset.push(b.ppsOffsetS?.mean ?? null);
    c.sats.push(b.gnss?.satellitesUsed?.mean ?? null);
    c.cno.push(b.gnss?.cnoDbHz?.mean ?? null);
  }
  return c;
}

/** A display unit for seconds: the largest of s, ms, µs, ns that keeps the biggest value >= 1. */
export function timeUnit(values: ReadonlyArray<number | null>): { unit: string; scale: number } {
  let peak = 0;
  for (const v of values) if (v !== null && Number.isFinite(v)) peak = Math.max(peak, Math.abs(v));
  if (peak >= 1) return { unit: 's', scale: 1 };
  if (peak >= 1e-3) return { unit: 'ms', scale: 1e3 };
  if (peak >= 1e-6 || peak === 0) return { unit: 'µs', scale: 1e6 };
  return { unit: 'ns', scale: 1e9 };
}

export interface StatRow {
  label: string;
  /** Display unit and the factor from the SI value to it. */
  unit: string;
  scale: number;
  summary: Summary | null;
}

const pick = (rows: readonly TelemetryRow[], f: (r: TelemetryRow) => Aggregate | null | undefined) => rows.map(f);

/** The ntpviz-style table: one row per quantity. */
export function statRows(rows: readonly TelemetryRow[]): StatRow[] {
  const timeRow = (label: string, f: (r: TelemetryRow) => Aggregate | null | undefined): StatRow => {
    const parts = pick(rows, f);
    const s = summarize(parts);
    const u = timeUnit(s ? [s.min, s.max] : []);
    return { label, unit: u.unit, scale: u.scale, summary: s };
  };
  const plain = (label: string, unit: string, f: (r: TelemetryRow) => Aggregate | null | undefined): StatRow => ({ label, unit, scale: 1, summary: summarize(pick(rows, f)) });
  return [
    timeRow('System offset', (r) => r.body.offsetS),
    plain('Frequency', 'ppm', (r) => r.body.frequencyPpm),
    plain('Skew', 'ppm', (r) => r.body.skewPpm),
    timeRow('PPS offset', (r) => r.body.ppsOffsetS),
    timeRow('PPS jitter', (r) => r.body.ppsJitterS),
    timeRow('Root delay', (r) => r.body.rootDelayS),
    timeRow('Root dispersion', (r) => r.body.rootDispersionS),
    plain('Satellites used', '', (r) => r.body.gnss?.satellitesUsed),
    plain('C/N0', 'dB-Hz', (r) => r.body.gnss?.cnoDbHz),
  ];
}

export interface AlarmSpan {
  alarm: string;
  severity: string;
  from: number;
  /** null: still raised at the newest event. */
  to: number | null;
  message: string | null;
}

/** Alarm spans (raised → cleared) and the other events, from events in any order. */
export function alarmTimeline(events: readonly EventRow[]): { spans: AlarmSpan[]; points: EventRow[] } {
  const open = new Map<string, AlarmSpan>();
  const spans: AlarmSpan[] = [];
  const points: EventRow[] = [];
  for (const e of [...events].sort((a, b) => a.at - b.at || a.seq - b.seq)) {
    const id = e.body.alarm ?? '(alarm)';
    if (e.body.type === 'alarm-raised') {
      if (open.has(id)) continue; // a repeat while raised: the span already covers it
      const span: AlarmSpan = { alarm: id, severity: e.body.severity ?? 'warning', from: e.at, to: null, message: e.body.message ?? null };
      open.set(id, span);
      spans.push(span);
    } else if (e.body.type === 'alarm-cleared') {
      const span = open.get(id);
      if (span) {
        span.to = e.at;
        open.delete(id);
      }
    } else {
      points.push(e);
    }
  }
  return { spans, points };
}
