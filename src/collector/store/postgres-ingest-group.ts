import type pg from 'pg';
import type { Outcome } from './group-commit.js';
import type { IngestJob, IngestResult } from './ingest-job.js';

/**
 * The group commit's fast path (postgres-ingest.ts): every batch of the group in one
 * statement. Throws on any surprise, and the caller falls back to one batch at a time.
 */
export async function writeGroup(c: pg.PoolClient, jobs: IngestJob[]): Promise<Outcome<IngestResult>[]> {
  const names = [...new Set(jobs.map((j) => j.device))];
  const locked = await c.query<{ name: string; last_seq: string }>('SELECT name, last_seq FROM devices WHERE name = ANY($1::text[]) ORDER BY name COLLATE "C" FOR UPDATE', [names]);
  const before = new Map(locked.rows.map((r) => [r.name, Number(r.last_seq)]));
  const mark = new Map(before);

  const tel = { d: [] as string[], s: [] as number[], a: [] as number[], r: [] as number[], b: [] as string[] };
  const ev = { d: [] as string[], s: [] as number[], a: [] as number[], r: [] as number[], b: [] as string[] };
  const gp = { d: [] as string[], f: [] as number[], t: [] as number[], why: [] as string[], r: [] as number[] };
  const newest = new Map<string, { seq: number; at: number; r: number; body: string }>();
  const dev = new Map<string, { stored: number; gaps: number; seen: number; software: string | null }>();
  const out: Outcome<IngestResult>[] = [];

  for (const j of jobs) {
    const lastSeq = mark.get(j.device);
    if (lastSeq === undefined) {
      out.push({ ok: false, error: new Error(`unknown device ${j.device}`) });
      continue;
    }
    const first = j.items[0];
    if (first && first.from > lastSeq + 1) {
      out.push({ ok: true, value: { ahead: true, ackedSeq: lastSeq } });
      continue;
    }
    let stored = 0;
    let duplicates = 0;
    let gapsStored = 0;
    for (const it of j.items) {
      if (it.to <= lastSeq) {
        duplicates += it.to - it.from + 1;
        continue;
      }
      if (it.kind === 'record') {
        const r = it.record;
        const body = JSON.stringify(r.body);
        const into = r.kind === 'telemetry' ? tel : ev;
        into.d.push(j.device);
        into.s.push(r.seq);
        into.a.push(r.at);
        into.r.push(j.receivedAt);
        into.b.push(body);
        if (r.kind === 'telemetry' && (newest.get(j.device)?.seq ?? -Infinity) < r.seq) newest.set(j.device, { seq: r.seq, at: r.at, r: j.receivedAt, body });
        stored++;
      } else {
        const from = Math.max(it.from, lastSeq + 1);
        duplicates += from - it.from;
        gapsStored += it.to - from + 1;
        gp.d.push(j.device);
        gp.f.push(from);
        gp.t.push(it.to);
        gp.why.push(it.gap.reason);
        gp.r.push(j.receivedAt);
      }
    }
    const last = j.items[j.items.length - 1];
    const ackedSeq = Math.max(lastSeq, last ? last.to : 0);
    mark.set(j.device, ackedSeq);
    const d = dev.get(j.device) ?? { stored: 0, gaps: 0, seen: j.receivedAt, software: null };
    d.stored += stored;
    d.gaps += gapsStored;
    d.seen = j.receivedAt; // the last accepted batch's, as one batch at a time would leave it
    d.software = j.software ?? d.software;
    dev.set(j.device, d);
    out.push({ ok: true, value: { ackedSeq, stored, duplicates, gapsStored } });
  }
  if (dev.size === 0) return out;

  const upd = [...dev.entries()];
  const lt = [...newest.entries()];
  // Telemetry before events, as everywhere (the partition DDL's table order: no lock cycles).
  const r = await c.query<{ tel: number; ev: number; dev: number }>(
    `WITH t AS (
       INSERT INTO telemetry (device, seq, at, received_at, body)
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::float8[], $4::float8[], $5::jsonb[])
       ON CONFLICT DO NOTHING
       RETURNING device, seq, received_at
     ), p AS (
       INSERT INTO rollup_pending (device, seq, received_at) SELECT device, seq, received_at FROM t ON CONFLICT DO NOTHING
     ), e AS (
       INSERT INTO events (device, seq, at, received_at, body)
       SELECT * FROM unnest($6::text[], $7::bigint[], $8::float8[], $9::float8[], $10::jsonb[])
       ON CONFLICT DO NOTHING
       RETURNING 1
     ), g AS (
       INSERT INTO gaps (device, from_seq, to_seq, reason, received_at)
       SELECT * FROM unnest($11::text[], $12::bigint[], $13::bigint[], $14::text[], $15::float8[])
       ON CONFLICT DO NOTHING
     ), l AS (
       INSERT INTO latest_telemetry (device, seq, at, received_at, body)
       SELECT * FROM unnest($16::text[], $17::bigint[], $18::float8[], $19::float8[], $20::jsonb[])
       ON CONFLICT (device) DO UPDATE SET seq = excluded.seq, at = excluded.at, received_at = excluded.received_at, body = excluded.body
        WHERE latest_telemetry.seq < excluded.seq
     ), d AS (
       UPDATE devices SET last_seq = x.new_seq, stored = devices.stored + x.stored, gaps = devices.gaps + x.gaps, last_seen = x.seen,
              software = COALESCE(x.sw, devices.software)
         FROM unnest($21::text[], $22::bigint[], $23::bigint[], $24::bigint[], $25::bigint[], $26::float8[], $27::text[]) AS x(name, old_seq, new_seq, stored, gaps, seen, sw)
        WHERE devices.name = x.name AND devices.last_seq = x.old_seq
       RETURNING 1
     )
     SELECT (SELECT count(*) FROM t)::int AS tel, (SELECT count(*) FROM e)::int AS ev, (SELECT count(*) FROM d)::int AS dev`,
    [
      tel.d, tel.s, tel.a, tel.r, tel.b,
      ev.d, ev.s, ev.a, ev.r, ev.b,
      gp.d, gp.f, gp.t, gp.why, gp.r,
      lt.map(([n]) => n), lt.map(([, x]) => x.seq), lt.map(([, x]) => x.at), lt.map(([, x]) => x.r), lt.map(([, x]) => x.body),
      upd.map(([n]) => n), upd.map(([n]) => before.get(n)!), upd.map(([n]) => mark.get(n)!), upd.map(([, x]) => x.stored), upd.map(([, x]) => x.gaps), upd.map(([, x]) => x.seen), upd.map(([, x]) => x.software),
    ],
  );
  const got = r.rows[0]!;
  // A row that was already there would make the per-batch counts wrong: redo one by one.
  if (got.tel !== tel.d.length || got.ev !== ev.d.length || got.dev !== upd.length) {
    throw new Error(`group ingest: expected ${tel.d.length}/${ev.d.length}/${upd.length} rows, wrote ${got.tel}/${got.ev}/${got.dev}`);
  }
  return out;
}
