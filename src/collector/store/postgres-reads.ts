import type pg from 'pg';
import type { EventBody, TelemetryBody } from '../../fleet-wire/schema.js';
import type { EventRow, GapRow, Resolution, TelemetryRow } from './fleet-store.js';
import { ROLLUPS, rollupToTelemetry, type RollupDbRow } from './postgres-rollups.js';

/** What the dashboard and the API read: newest telemetry, charts, the event timeline, gap runs. */

/** A telemetry or event row as pg returns it (bigint comes back as a string). */
export interface DbRecord<B> {
  device: string;
  seq: string;
  at: number;
  received_at: number;
  body: B;
}

export function toRecord<B>(r: DbRecord<B>): { device: string; seq: number; at: number; receivedAt: number; body: B } {
  return { device: r.device, seq: Number(r.seq), at: r.at, receivedAt: r.received_at, body: r.body };
}

export async function latestTelemetry(pool: pg.Pool): Promise<TelemetryRow[]> {
  const r = await pool.query<DbRecord<TelemetryBody>>('SELECT device, seq, at, received_at, body FROM latest_telemetry ORDER BY device COLLATE "C"');
  return r.rows.map(toRecord);
}

export async function telemetry(pool: pg.Pool, device: string, fromMs: number, toMs: number, resolution: Resolution): Promise<TelemetryRow[]> {
  if (resolution === 'raw') {
    const r = await pool.query<DbRecord<TelemetryBody>>('SELECT device, seq, at, received_at, body FROM telemetry WHERE device = $1 AND at >= $2 AND at < $3 ORDER BY at, seq', [device, fromMs, toMs]);
    return r.rows.map(toRecord);
  }
  const rollup = ROLLUPS.find((x) => x.resolution === resolution);
  if (!rollup) throw new Error(`unknown resolution ${String(resolution)}`);
  const r = await pool.query<RollupDbRow>(`SELECT * FROM ${rollup.table} WHERE device = $1 AND bucket >= $2 AND bucket < $3 ORDER BY bucket`, [device, fromMs, toMs]);
  return r.rows.map((row) => rollupToTelemetry(row, rollup.sizeMs));
}

export async function events(pool: pg.Pool, device: string | null, sinceMs: number, limit: number): Promise<EventRow[]> {
  const r = await pool.query<DbRecord<EventBody>>(
    `SELECT device, seq, at, received_at, body FROM events WHERE ($1::text IS NULL OR device = $1) AND at >= $2
      ORDER BY at DESC, seq DESC, device COLLATE "C" LIMIT $3`,
    [device, sinceMs, Math.max(0, Math.floor(limit))],
  );
  return r.rows.map(toRecord);
}

export async function gapRuns(pool: pg.Pool, device: string): Promise<GapRow[]> {
  const r = await pool.query<{ device: string; from_seq: string; to_seq: string; reason: string; received_at: number }>(
    'SELECT device, from_seq, to_seq, reason, received_at FROM gaps WHERE device = $1 ORDER BY from_seq',
    [device],
  );
  return r.rows.map((g) => ({ device: g.device, from: Number(g.from_seq), to: Number(g.to_seq), reason: g.reason, receivedAt: g.received_at }));
}
