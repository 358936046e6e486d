import { batchItems, type Batch, type BatchItem, type Gap, type TelemetryBody, type WireRecord } from '../../../src/fleet-wire/schema.js';

/** A plausible telemetry body; `v` moves every aggregate so merges are checkable. */
export function telemetryBody(v: number, extra: Partial<TelemetryBody> = {}): TelemetryBody {
  const agg = (mean: number, spread: number) => ({ count: 10, min: mean - spread, max: mean + spread, mean, rms: Math.sqrt(mean * mean + spread * spread / 3) });
  return {
    intervalS: 10,
    fromMs: 0,
    toMs: 10_000,
    offsetS: agg(v * 1e-6, 2e-7),
    frequencyPpm: agg(-3.2 + v * 0.01, 0.001),
    skewPpm: agg(0.02, 0.001),
    rootDelayS: null,
    rootDispersionS: agg(1e-5, 1e-6),
    ppsOffsetS: agg(v * 1e-7, 5e-8),
    ppsJitterS: agg(3e-7, 1e-7),
    stratum: 1,
    leap: 'normal',
    selectedSource: 'PPS',
    gnss: { mode: 3, satellitesUsed: agg(9 + (v % 3), 1), cnoDbHz: agg(38 + v * 0.1, 2) },
    rtc: { driftPpm: 1.5, temperatureC: 31.25 },
    holdover: { state: 'locked', estimateS: null },
    ...extra,
  };
}

export function telemetryRecord(seq: number, at: number, v = seq, extra: Partial<TelemetryBody> = {}): WireRecord {
  return { seq, kind: 'telemetry', at, body: telemetryBody(v, { fromMs: at - 10_000, toMs: at, ...extra }) };
}

export function eventRecord(seq: number, at: number, type: 'alarm-raised' | 'alarm-cleared' | 'daemon-start' = 'daemon-start', message = `event ${seq}`): WireRecord {
  return type === 'daemon-start'
    ? { seq, kind: 'event', at, body: { type, message } }
    : { seq, kind: 'event', at, body: { type, alarm: 'pps-missing', severity: 'major', message } };
}

/** Runs the fleet-wire contiguity rule, as the collector does before it calls ingest(). */
export function items(records: WireRecord[], gaps: Gap[] = []): BatchItem[] {
  const batch: Batch = { v: 1, sentAt: 0, lastSeq: Math.max(0, ...records.map((r) => r.seq), ...gaps.map((g) => g.to)), records, gaps };
  const r = batchItems(batch);
  if ('error' in r) throw new Error(r.error);
  return r.items;
}
