import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import type { EventBody, Gap, TelemetryBody, WireRecord } from '../../fleet-wire/schema.js';

/**
 * The fleet outbox: every telemetry record and event the appliance produced and the collector
 * has not yet acknowledged, in `<state dir>/fleet-outbox.db` (better-sqlite3, WAL).
 *
 * Sequence numbers are per appliance, start at 1 and are never reused: the next one comes
 * from a persisted counter (`meta.next_seq`) bumped in the same transaction that inserts the
 * record, so a record and its number are either both on disk or neither is. Deleting acknowledged
 * records never moves the counter back (which deriving it from MAX(seq) would after an empty
 * outbox).
 *
 * `synchronous = FULL`: in WAL mode SQLite then fsyncs the WAL at every commit, so a commit that
 * returned survives a power cut. With NORMAL a power cut may lose the last commits; the record
 * would be gone but the collector might already hold it under that sequence number, and the
 * appliance would hand the same number to a different record after the reboot — a duplicate the
 * collector would silently discard. With FULL, a power cut loses at most the record being
 * written at that moment (never numbered, never sent) and nothing acknowledged: an acknowledgement
 * only deletes records, and a lost delete just re-sends records the collector counts as
 * duplicates. The cost is one fsync per record (one per `intervalS` plus events): negligible.
 *
 * Retention: records not acknowledged within `maxAgeDays` (appliance clock) or beyond `maxBytes`
 * are dropped oldest first and replaced by gap rows (`retention-age` / `retention-size`), which
 * are sent to the collector like records: every number between the acknowledged mark and the
 * newest record is always covered by a record or a gap, so a loss is explicit, never silent.
 */

export interface OutboxOptions {
  maxAgeDays: number;
  maxBytes: number;
  /** ms since the epoch (the appliance clock); injected for tests. */
  now?: () => number;
  /**
   * SQLite `max_page_count`: writes beyond it fail with SQLITE_FULL exactly as on a full disk.
   * Only tests set it (a full disk on demand); retention keeps the real outbox small.
   */
  maxPageCount?: number;
}

export type NewRecord = { kind: 'telemetry'; at: number; body: TelemetryBody } | { kind: 'event'; at: number; body: EventBody };

/** One item of the outbox in sequence order: a stored record or a run of dropped numbers. */
export type OutboxItem = { kind: 'record'; from: number; to: number; record: WireRecord; bytes: number } | { kind: 'gap'; from: number; to: number; gap: Gap };

export interface OutboxStats {
  /** The newest sequence number handed out (0: none yet). */
  lastSeq: number;
  /** The collector's cumulative acknowledgement as last received. */
  ackedSeq: number;
  /** Records and dropped numbers not yet acknowledged. */
  backlog: number;
  /** Sequence numbers dropped by retention since the outbox was created. */
  dropped: number;
  /** Bytes of record bodies held. */
  bodyBytes: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS records (
  seq INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('telemetry', 'event')),
  at INTEGER NOT NULL,
  body TEXT NOT NULL,
  bytes INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS gaps (
  from_seq INTEGER PRIMARY KEY,
  to_seq INTEGER NOT NULL,
  reason TEXT NOT NULL CHECK (reason IN ('retention-age', 'retention-size', 'lost'))
) STRICT;
INSERT OR IGNORE INTO meta (key, value) VALUES ('next_seq', 1), ('acked_seq', 0), ('dropped', 0);
`;

/** Rows per retention step: bounded work per transaction, so a huge drop cannot stall the loop. */
const DROP_CHUNK = 500;

export class Outbox {
  readonly path: string;
  readonly #db: Database.Database;
  readonly #opts: OutboxOptions;
  readonly #now: () => number;
  #bodyBytes: number;
  readonly #s: ReturnType<typeof prepare>;

  constructor(path: string, opts: OutboxOptions) {
    this.path = path;
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
    this.#db = new Database(path);
    try {
      this.#db.pragma('journal_mode = WAL');
      // FULL, not NORMAL: see the header. A committed record and its number survive a power cut.
      this.#db.pragma('synchronous = FULL');
      this.#db.pragma('busy_timeout = 5000');
      if (opts.maxPageCount !== undefined) this.#db.pragma(`max_page_count = ${Math.floor(opts.maxPageCount)}`);
      this.#db.exec(SCHEMA);
    } catch (err) {
      this.#db.close();
      throw err;
    }
    const db = this.#db;
    this.#s = prepare(db);
    this.#bodyBytes = (db.prepare('SELECT COALESCE(SUM(bytes), 0) AS b FROM records').get() as { b: number }).b;
  }

  #meta(key: 'next_seq' | 'acked_seq' | 'dropped'): number {
    return this.#s.getMeta.get(key)!.value;
  }

  get stats(): OutboxStats {
    const next = this.#meta('next_seq');
    const acked = this.#meta('acked_seq');
    return { lastSeq: next - 1, ackedSeq: acked, backlog: Math.max(0, next - 1 - acked), dropped: this.#meta('dropped'), bodyBytes: this.#bodyBytes };
  }

  /** Bytes on disk (database + WAL); null when they cannot be read. */
  diskBytes(): number | null {
    let total = 0;
    for (const p of [this.path, `${this.path}-wal`]) {
      try {
        total += statSync(p).size;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return null;
      }
    }
    return total;
  }

  /**
   * Numbers and stores one record; returns its sequence number. Throws what SQLite throws
   * (SQLITE_FULL, SQLITE_READONLY, SQLITE_IOERR): then nothing was stored and no number used.
   */
  append(r: NewRecord): number {
    const body = JSON.stringify(r.body);
    const bytes = Buffer.byteLength(body);
    const seq = this.#db.transaction(() => {
      const s = this.#meta('next_seq');
      this.#s.insert.run(s, r.kind, Math.round(r.at), body, bytes);
      this.#s.setMeta.run(s + 1, 'next_seq');
      return s;
    })();
    this.#bodyBytes += bytes;
    return seq;
  }

  /**
   * Up to `limit` items from `fromSeq` on, in sequence order, contiguous: a number between two
   * items that the outbox holds neither as a record nor as a gap cannot exist (see the header),
   * so the walk stops at the first discontinuity rather than send a batch the collector refuses.
   */
  pending(fromSeq: number, limit: number): OutboxItem[] {
    const records = this.#s.recordsFrom.all(fromSeq, limit);
    const gaps = this.#s.gapsFrom.all(fromSeq, limit);
    const items: OutboxItem[] = [
      ...records.map((row) => ({ kind: 'record' as const, from: row.seq, to: row.seq, bytes: row.bytes, record: { seq: row.seq, kind: row.kind, at: row.at, body: JSON.parse(row.body) } as WireRecord })),
      ...gaps.map((g) => {
        const from = Math.max(g.from_seq, fromSeq);
        return { kind: 'gap' as const, from, to: g.to_seq, gap: { from, to: g.to_seq, reason: g.reason } };
      }),
    ].sort((a, b) => a.from - b.from);
    const out: OutboxItem[] = [];
    let expect = items[0]?.from ?? 0;
    for (const item of items) {
      if (item.from !== expect || out.length >= limit) break;
      out.push(item);
      expect = item.to + 1;
    }
    return out;
  }

  /**
   * The collector's cumulative acknowledgement: everything at or below `ackedSeq` is stored
   * there, so it is deleted here. Never moves the mark back (a 409 resend is the uploader's).
   */
  ack(ackedSeq: number): void {
    const target = Math.min(ackedSeq, this.#meta('next_seq') - 1);
    if (target <= this.#meta('acked_seq')) return;
    const freed = this.#s.bytesUpTo.get(target)?.b ?? 0;
    this.#db.transaction(() => {
      this.#s.deleteRecords.run(target);
      this.#s.deleteGaps.run(target);
      // A gap run straddling the mark keeps only its unacknowledged part.
      const straddling = this.#s.gapCovering.get(target, target + 1);
      if (straddling) this.#s.moveGapStart.run(target + 1, straddling.from_seq);
      this.#s.setMeta.run(target, 'acked_seq');
    })();
    this.#bodyBytes = Math.max(0, this.#bodyBytes - freed);
  }

  /**
   * The collector holds more than this outbox ever numbered (the outbox was lost or replaced,
   * e.g. a new SD card with the old token): the numbering continues after the collector's mark,
   * and records not yet acknowledged are renumbered above it (in order), since under their old
   * numbers the collector would discard them as duplicates. Returns how many were renumbered.
   */
  rebase(collectorAcked: number): number {
    const next = this.#meta('next_seq');
    if (collectorAcked < next) return 0;
    let moved = 0;
    this.#db.transaction(() => {
      const rows = this.#db.prepare('SELECT seq FROM records ORDER BY seq').all() as Array<{ seq: number }>;
      const gaps = this.#db.prepare('SELECT from_seq, to_seq FROM gaps ORDER BY from_seq').all() as Array<{ from_seq: number; to_seq: number }>;
      const shift = collectorAcked + 1 - (this.#meta('acked_seq') + 1);
      // Highest first, so a new number never collides with an old one still in the table.
      for (const r of rows.reverse()) this.#db.prepare('UPDATE records SET seq = ? WHERE seq = ?').run(r.seq + shift, r.seq);
      for (const g of gaps.reverse()) this.#db.prepare('UPDATE gaps SET from_seq = ?, to_seq = ? WHERE from_seq = ?').run(g.from_seq + shift, g.to_seq + shift, g.from_seq);
      moved = rows.length;
      this.#s.setMeta.run(collectorAcked, 'acked_seq');
      this.#s.setMeta.run(next + shift, 'next_seq');
    })();
    return moved;
  }

  /**
   * Drops unacknowledged records older than the age limit or beyond the size limit, oldest
   * first, recording each run as a gap. Returns the numbers dropped in this call.
   */
  enforceRetention(): number {
    const cutoff = this.#now() - this.#opts.maxAgeDays * 86_400_000;
    let dropped = 0;
    for (;;) {
      const rows = this.#s.oldest.all(DROP_CHUNK);
      if (rows.length === 0) break;
      const victims: Array<{ seq: number; bytes: number; reason: Gap['reason'] }> = [];
      let bytes = this.#bodyBytes;
      for (const r of rows) {
        if (r.at < cutoff) victims.push({ seq: r.seq, bytes: r.bytes, reason: 'retention-age' });
        else if (bytes > this.#opts.maxBytes) victims.push({ seq: r.seq, bytes: r.bytes, reason: 'retention-size' });
        else break;
        bytes -= r.bytes;
      }
      if (victims.length === 0) break;
      this.#db.transaction(() => {
        for (const v of victims) {
          this.#s.deleteRecord.run(v.seq);
          this.#addToGap(v.seq, v.reason);
        }
        this.#s.setMeta.run(this.#meta('dropped') + victims.length, 'dropped');
      })();
      this.#bodyBytes = bytes;
      dropped += victims.length;
      if (victims.length < rows.length) break;
    }
    return dropped;
  }

  /** Extends the run ending just before `seq` when it has the same reason, else opens a new one. */
  #addToGap(seq: number, reason: Gap['reason']): void {
    const prev = this.#s.gapCovering.get(seq - 1, seq - 1);
    if (prev && prev.to_seq === seq - 1 && prev.reason === reason) this.#s.extendGap.run(seq, prev.from_seq);
    else this.#s.insertGap.run(seq, seq, reason);
  }

  get recordCount(): number {
    return this.#s.recordCount.get()!.n;
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}

/** Every statement the outbox runs, prepared once. */
function prepare(db: Database.Database) {
  type RecordRow = { seq: number; kind: 'telemetry' | 'event'; at: number; body: string; bytes: number };
  type GapRow = { from_seq: number; to_seq: number; reason: Gap['reason'] };
  return {
    getMeta: db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE key = ?'),
    setMeta: db.prepare<[number, string]>('UPDATE meta SET value = ? WHERE key = ?'),
    insert: db.prepare<[number, string, number, string, number]>('INSERT INTO records (seq, kind, at, body, bytes) VALUES (?, ?, ?, ?, ?)'),
    recordsFrom: db.prepare<[number, number], RecordRow>('SELECT seq, kind, at, body, bytes FROM records WHERE seq >= ? ORDER BY seq LIMIT ?'),
    gapsFrom: db.prepare<[number, number], GapRow>('SELECT from_seq, to_seq, reason FROM gaps WHERE to_seq >= ? ORDER BY from_seq LIMIT ?'),
    deleteRecords: db.prepare<[number]>('DELETE FROM records WHERE seq <= ?'),
    deleteRecord: db.prepare<[number]>('DELETE FROM records WHERE seq = ?'),
    bytesUpTo: db.prepare<[number], { b: number | null }>('SELECT SUM(bytes) AS b FROM records WHERE seq <= ?'),
    deleteGaps: db.prepare<[number]>('DELETE FROM gaps WHERE to_seq <= ?'),
    moveGapStart: db.prepare<[number, number]>('UPDATE gaps SET from_seq = ? WHERE from_seq = ?'),
    oldest: db.prepare<[number], { seq: number; at: number; bytes: number }>('SELECT seq, at, bytes FROM records ORDER BY seq LIMIT ?'),
    insertGap: db.prepare<[number, number, string]>('INSERT INTO gaps (from_seq, to_seq, reason) VALUES (?, ?, ?)'),
    extendGap: db.prepare<[number, number]>('UPDATE gaps SET to_seq = ? WHERE from_seq = ?'),
    gapCovering: db.prepare<[number, number], GapRow>('SELECT from_seq, to_seq, reason FROM gaps WHERE from_seq <= ? AND to_seq >= ?'),
    recordCount: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM records'),
  };
}
