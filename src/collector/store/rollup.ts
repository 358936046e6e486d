import { mergeAggregates } from '../../fleet-wire/aggregate.js';
import type { Aggregate, TelemetryBody } from '../../fleet-wire/schema.js';

/**
 * Folding telemetry records into a rollup bucket (1 min, 1 h), shared by the stores. Rollups
 * are built incrementally: each newly stored record is merged into its bucket exactly once
 * (the stores keep a queue of records not yet rolled up), so a record arriving late into a
 * bucket joins it, and retention dropping raw rows never shrinks a bucket. Aggregates merge
 * exactly (fleet-wire/aggregate.ts); the point values (stratum, leap, holdover …) are those of
 * the bucket's record with the highest sequence number — the newest by the appliance's own
 * numbering, which a wrong appliance clock cannot reorder.
 */

export const ROLLUP_MS = { '1m': 60_000, '1h': 3_600_000 } as const;

export function bucketStart(at: number, sizeMs: number): number {
  return Math.floor(at / sizeMs) * sizeMs;
}

const TOP_AGGREGATES = ['offsetS', 'frequencyPpm', 'skewPpm', 'rootDelayS', 'rootDispersionS', 'ppsOffsetS', 'ppsJitterS'] as const;
const GNSS_AGGREGATES = ['satellitesUsed', 'cnoDbHz'] as const;

function merge2(a: Aggregate | null | undefined, b: Aggregate | null | undefined): Aggregate | null {
  return mergeAggregates([a, b]);
}

/**
 * The bucket after adding one record. `prev` is the bucket so far (null: empty) and `prevSeq`
 * the highest seq folded into it.
 */
export function foldIntoBucket(
  prev: { body: TelemetryBody; seq: number } | null,
  rec: { body: TelemetryBody; seq: number },
  sizeMs: number,
): { body: TelemetryBody; seq: number } {
  const b = rec.body;
  if (!prev) return { seq: rec.seq, body: { ...b, intervalS: sizeMs / 1000, gnss: { ...b.gnss }, rtc: { ...b.rtc }, holdover: { ...b.holdover } } };
  const newer = rec.seq > prev.seq ? b : prev.body;
  const p = prev.body;
  const body: TelemetryBody = {
    ...newer,
    intervalS: sizeMs / 1000,
    fromMs: Math.min(p.fromMs, b.fromMs),
    toMs: Math.max(p.toMs, b.toMs),
    gnss: { ...newer.gnss },
    rtc: { ...newer.rtc },
    holdover: { ...newer.holdover },
  };
  for (const k of TOP_AGGREGATES) body[k] = merge2(p[k], b[k]);
  for (const k of GNSS_AGGREGATES) body.gnss[k] = merge2(p.gnss[k], b.gnss[k]);
  return { seq: Math.max(prev.seq, rec.seq), body };
}
