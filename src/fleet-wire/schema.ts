import { z } from 'zod';

/**
 * The fleet wire protocol: the only thing the appliance (daemon/fleet) and the collector
 * (collector/) share. Version 1.
 *
 *   POST /api/v1/ingest
 *   Authorization: Bearer <device token>     (the token names the appliance; the body cannot)
 *   Content-Type: application/json           (optionally Content-Encoding: gzip)
 *   body: Batch
 *
 *   200 Ack            every item stored or already stored; ackedSeq is cumulative
 *   400 WireError      malformed (code 'malformed'), nothing stored
 *   401 WireError      unknown, revoked or expired token (code 'unauthorized')
 *   409 WireError      the batch starts after ackedSeq + 1 (code 'sequence-ahead'): the
 *                      collector lacks what comes before; resend from ackedSeq + 1
 *   413 WireError      more than MAX_BATCH_BYTES or MAX_BATCH_ITEMS (code 'too-large')
 *   429/503 WireError  slow down / unavailable (code 'busy'); Retry-After in seconds
 *
 * Sequence numbers, never timestamps, decide what is new: each appliance numbers its records
 * 1, 2, 3 … (the numbering survives restarts and power loss). A batch's records and gaps
 * together cover one contiguous run of sequence numbers. Items at or below the collector's
 * high-water mark are duplicates (counted, not stored again); the rest are stored and the mark
 * advances in the same transaction. A gap is a run the appliance dropped before it was
 * acknowledged (retention): stored as a gap, so the loss is explicit, never silent.
 *
 * `lastSeq` is the highest sequence number the appliance has assigned when it sends the batch
 * (its outbox's lastSeq; 0 before its first record). Nothing in a batch may go beyond it: a
 * record or gap past lastSeq (or a lastSeq below the batch's end) is 400 malformed and nothing
 * is stored. Without this bound one corrupt gap such as [ackedSeq + 1, 9e15] would be stored,
 * move the mark to 9e15, and turn every later real record into a silent duplicate. Required in
 * v1: the appliance and the collector ship in one package.
 *
 * `at` is the appliance's clock (may be wrong); the collector keeps its receive time beside it.
 */

export const WIRE_VERSION = 1;
export const INGEST_PATH = '/api/v1/ingest';
export const MAX_BATCH_ITEMS = 1000;
export const MAX_BATCH_BYTES = 1_048_576;

const seqSchema = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const finite = z.number().refine(Number.isFinite, 'must be a finite number');

export const aggregateSchema = z.strictObject({
  count: z.number().int().min(1),
  min: finite,
  max: finite,
  mean: finite,
  rms: finite.refine((v) => v >= 0, 'rms must be >= 0'),
});

const agg = aggregateSchema.nullable();

/** One interval of telemetry. Every quantity is an aggregate over the interval, or null when unknown. */
export const telemetryBodySchema = z.looseObject({
  intervalS: z.number().positive().max(86_400),
  /** Appliance clock, ms since the epoch: start and end of the interval. */
  fromMs: finite,
  toMs: finite,
  /** System clock minus true time per the timekeeper, seconds. */
  offsetS: agg,
  frequencyPpm: agg,
  skewPpm: agg,
  rootDelayS: agg,
  rootDispersionS: agg,
  ppsOffsetS: agg,
  ppsJitterS: agg,
  /** The latest values of the interval. */
  stratum: z.number().int().min(0).max(16).nullable(),
  leap: z.enum(['normal', 'insert', 'delete', 'unsynchronised']).nullable(),
  selectedSource: z.string().max(64).nullable(),
  gnss: z.looseObject({
    mode: z.number().int().min(0).max(3).nullable(),
    satellitesUsed: agg,
    /** Mean C/N0 of the satellites in use, dB-Hz. */
    cnoDbHz: agg,
  }),
  rtc: z.looseObject({
    driftPpm: finite.nullable(),
    temperatureC: finite.nullable(),
  }),
  holdover: z.looseObject({
    state: z.string().max(32),
    /** Estimated time error now, seconds (null when locked or unknown). */
    estimateS: finite.nullable(),
  }),
});

export const EVENT_TYPES = ['alarm-raised', 'alarm-cleared', 'config-changed', 'daemon-start', 'daemon-stop', 'receiver-lost', 'receiver-found'] as const;
export const SEVERITIES = ['critical', 'major', 'minor', 'warning', 'info'] as const;

export const eventBodySchema = z.looseObject({
  type: z.enum(EVENT_TYPES),
  /** Alarm events: the alarm id and its severity. */
  alarm: z.string().max(64).optional(),
  severity: z.enum(SEVERITIES).optional(),
  message: z.string().max(1024).optional(),
});

export const wireRecordSchema = z.discriminatedUnion('kind', [
  z.strictObject({ seq: seqSchema, kind: z.literal('telemetry'), at: finite, body: telemetryBodySchema }),
  z.strictObject({ seq: seqSchema, kind: z.literal('event'), at: finite, body: eventBodySchema }),
]);

export const gapSchema = z
  .strictObject({
    from: seqSchema,
    to: seqSchema,
    reason: z.enum(['retention-age', 'retention-size', 'lost']),
  })
  .refine((g) => g.to >= g.from, 'gap.to must be >= gap.from');

export const batchSchema = z.strictObject({
  v: z.literal(WIRE_VERSION),
  /** The appliance's clock when it sent the batch (informational: never used to order). */
  sentAt: finite,
  /** The daemon's software version (shown on the dashboard). */
  software: z.string().max(64).optional(),
  /** The highest sequence number the appliance has assigned (0: none yet); the batch may not go beyond it. */
  lastSeq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  records: z.array(wireRecordSchema).max(MAX_BATCH_ITEMS),
  gaps: z.array(gapSchema).max(MAX_BATCH_ITEMS).default([]),
});

export const ackSchema = z.strictObject({
  ackedSeq: z.number().int().min(0),
  stored: z.number().int().min(0),
  duplicates: z.number().int().min(0),
  gapsStored: z.number().int().min(0),
  /** Collector clock, ms since the epoch. */
  receivedAt: finite,
});

export const WIRE_ERROR_CODES = ['malformed', 'unauthorized', 'sequence-ahead', 'too-large', 'busy', 'internal'] as const;

export const wireErrorSchema = z.strictObject({
  error: z.string(),
  code: z.enum(WIRE_ERROR_CODES),
  /** The collector's high-water mark for this appliance, when it knows the appliance. */
  ackedSeq: z.number().int().min(0).optional(),
});

export type Aggregate = z.infer<typeof aggregateSchema>;
export type TelemetryBody = z.infer<typeof telemetryBodySchema>;
export type EventBody = z.infer<typeof eventBodySchema>;
export type WireRecord = z.infer<typeof wireRecordSchema>;
export type Gap = z.infer<typeof gapSchema>;
export type Batch = z.infer<typeof batchSchema>;
export type Ack = z.infer<typeof ackSchema>;
export type WireError = z.infer<typeof wireErrorSchema>;

/** One item of a batch in sequence order: a record, or a gap run. */
export type BatchItem = { kind: 'record'; from: number; to: number; record: WireRecord } | { kind: 'gap'; from: number; to: number; gap: Gap };

/** Why batchItems refused a batch: not one contiguous run, or numbers past the appliance's lastSeq. */
export type BatchItemsError = { error: string; rule: 'contiguous' | 'beyond-last-seq' };

/**
 * Orders a batch's records and gaps by sequence number and checks that they form one contiguous
 * run without overlap that ends at or below the batch's lastSeq. Returns the items, or a reason
 * the batch is malformed.
 */
export function batchItems(batch: Batch): { items: BatchItem[] } | BatchItemsError {
  const items: BatchItem[] = [
    ...batch.records.map((r) => ({ kind: 'record' as const, from: r.seq, to: r.seq, record: r })),
    ...batch.gaps.map((g) => ({ kind: 'gap' as const, from: g.from, to: g.to, gap: g })),
  ].sort((a, b) => a.from - b.from);
  for (let i = 1; i < items.length; i++) {
    const prev = items[i - 1]!;
    const cur = items[i]!;
    if (cur.from <= prev.to) return { error: `sequence ${cur.from} appears twice in the batch`, rule: 'contiguous' };
    if (cur.from !== prev.to + 1) return { error: `the batch is not contiguous: ${prev.to} is followed by ${cur.from}`, rule: 'contiguous' };
  }
  const last = items.at(-1);
  // Negated so that a lastSeq missing from a batch built in code (not parsed) is refused too.
  if (last && !(last.to <= batch.lastSeq)) {
    const what = last.kind === 'gap' ? `gap ${last.from}..${last.to}` : `record ${last.to}`;
    return {
      error: `the batch runs to ${last.to} (${what}) but lastSeq, the highest sequence number the appliance has assigned, is ${String(batch.lastSeq)}: nothing beyond it can exist`,
      rule: 'beyond-last-seq',
    };
  }
  return { items };
}
