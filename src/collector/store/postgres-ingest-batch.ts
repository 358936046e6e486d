import type pg from 'pg';
import type { EventBody, TelemetryBody } from '../../fleet-wire/schema.js';
import type { IngestJob, IngestResult } from './ingest-job.js';

/** One batch, the exact path (postgres-ingest.ts): run inside its own transaction. */
export async function writeBatch(c: pg.PoolClient, { device, items, receivedAt, software }: IngestJob): Promise<IngestResult> {
  const locked = await c.query<{ last_seq: string }>('SELECT last_seq FROM devices WHERE name = $1 FOR UPDATE', [device]);
  if (!locked.rows[0]) throw new Error(`unknown device ${device}`);
  const lastSeq = Number(locked.rows[0].last_seq);

  const first = items[0];
  if (first && first.from > lastSeq + 1) return { ahead: true, ackedSeq: lastSeq };

  let duplicates = 0;
  let gapsStored = 0;
  const tel: { seq: number; at: number; body: TelemetryBody }[] = [];
  const ev: { seq: number; at: number; body: EventBody }[] = [];
  const gaps: { from: number; to: number; reason: string }[] = [];
  for (const it of items) {
    if (it.to <= lastSeq) {
      duplicates += it.to - it.from + 1;
      continue;
    }
    if (it.kind === 'record') {
      const r = it.record;
      if (r.kind === 'telemetry') tel.push({ seq: r.seq, at: r.at, body: r.body });
      else ev.push({ seq: r.seq, at: r.at, body: r.body });
    } else {
      // A gap straddling the mark: the part at or below it is already accounted for.
      const from = Math.max(it.from, lastSeq + 1);
      duplicates += from - it.from;
      gapsStored += it.to - from + 1;
      gaps.push({ from, to: it.to, reason: it.gap.reason });
    }
  }

  let stored = 0;
  // Telemetry before events, always (the same table order as partition DDL: no lock cycles).
  if (tel.length > 0) {
    const r = await c.query(
      `WITH ins AS (
         INSERT INTO telemetry (device, seq, at, received_at, body)
         SELECT $1, s, a, $2, b FROM unnest($3::bigint[], $4::float8[], $5::jsonb[]) AS x(s, a, b)
         ON CONFLICT DO NOTHING
         RETURNING device, seq, received_at
       ), p AS (
         INSERT INTO rollup_pending (device, seq, received_at) SELECT device, seq, received_at FROM ins ON CONFLICT DO NOTHING
       )
       SELECT count(*)::int AS n FROM ins`,
      [device, receivedAt, tel.map((x) => x.seq), tel.map((x) => x.at), tel.map((x) => JSON.stringify(x.body))],
    );
    const n = (r.rows[0] as { n: number }).n;
    stored += n;
    duplicates += tel.length - n;
    const newest = tel.reduce((a, b) => (b.seq > a.seq ? b : a));
    await c.query(
      `INSERT INTO latest_telemetry (device, seq, at, received_at, body) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (device) DO UPDATE SET seq = excluded.seq, at = excluded.at, received_at = excluded.received_at, body = excluded.body
        WHERE latest_telemetry.seq < excluded.seq`,
      [device, newest.seq, newest.at, receivedAt, JSON.stringify(newest.body)],
    );
  }
  if (ev.length > 0) {
    const r = await c.query(
      `INSERT INTO events (device, seq, at, received_at, body)
       SELECT $1, s, a, $2, b FROM unnest($3::bigint[], $4::float8[], $5::jsonb[]) AS x(s, a, b)
       ON CONFLICT DO NOTHING`,
      [device, receivedAt, ev.map((x) => x.seq), ev.map((x) => x.at), ev.map((x) => JSON.stringify(x.body))],
    );
    const n = r.rowCount ?? 0;
    stored += n;
    duplicates += ev.length - n;
  }
  if (gaps.length > 0) {
    await c.query(
      `INSERT INTO gaps (device, from_seq, to_seq, reason, received_at)
       SELECT $1, f, t, r, $2 FROM unnest($3::bigint[], $4::bigint[], $5::text[]) AS x(f, t, r)
       ON CONFLICT DO NOTHING`,
      [device, receivedAt, gaps.map((g) => g.from), gaps.map((g) => g.to), gaps.map((g) => g.reason)],
    );
  }

  const last = items[items.length - 1];
  const ackedSeq = Math.max(lastSeq, last ? last.to : 0);
  const upd = await c.query(
    `UPDATE devices SET last_seq = $3, stored = stored + $4, gaps = gaps + $5, last_seen = $6, software = COALESCE($7, software)
      WHERE name = $1 AND last_seq = $2`,
    [device, lastSeq, ackedSeq, stored, gapsStored, receivedAt, software],
  );
  if (upd.rowCount !== 1) throw new Error(`the high-water mark of ${device} moved under its lock`);
  return { ackedSeq, stored, duplicates, gapsStored };
}
