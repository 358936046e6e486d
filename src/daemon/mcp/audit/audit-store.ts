import Database from 'better-sqlite3';
import type { AuditRecord, RefusalRecord } from '../appliance-api.js';
import { migrate } from './migrations.js';

/**
 * The audit log of admin MCP calls (and refusals) in the daemon's SQLite database
 * (`<stateDir>/stratum1d.db`, shared with other stores: each owns its tables). WAL mode so
 * readers never block the writer (https://sqlite.org/wal.html). Retention is bounded by row
 * count and age, pruned on insert, so the log cannot fill the SD card.
 *
 * Two tables with their own bounds: `mcp_audit` holds admin actions, which only admin callers
 * can cause; `mcp_audit_refusals` holds refusals, which anyone with a read key or socket access
 * can cause at will, aggregated per caller, transport, tool and minute. A flood of refusals
 * grows one counter, and pruning refusals never touches an admin action.
 */

export interface AuditStoreOptions {
  /** Keep at most this many rows (newest kept). Default 10 000. */
  maxRows?: number;
  /** Drop rows older than this. Default 365 days. */
  maxAgeDays?: number;
  /** Keep at most this many refusal rows (caller × tool × minute). Default 10 000. */
  maxRefusalRows?: number;
  /** ms since the epoch; injected for tests. */
  now?: () => number;
}

export type NewAuditRecord = Omit<AuditRecord, 'id' | 'at' | 'uid' | 'pid'> & { at?: number; uid?: number | null; pid?: number | null };

export interface NewRefusal {
  caller: string;
  role: string;
  transport: string;
  tool: string;
  reason: string;
  uid?: number | null;
  pid?: number | null;
  at?: number;
}

/** Arguments/results are stored as JSON, each capped so one huge diff cannot bloat the log. */
const MAX_JSON = 64 * 1024;

interface Row {
  id: number;
  at: number;
  caller: string;
  role: string;
  transport: string;
  tool: string;
  arguments: string;
  ok: number;
  result: string;
  duration_ms: number;
  uid: number | null;
  pid: number | null;
}

interface RefusalRow {
  minute: number;
  caller: string;
  role: string;
  transport: string;
  tool: string;
  uid: number | null;
  last_pid: number | null;
  count: number;
  first_at: number;
  last_at: number;
  reason: string;
}

export class AuditStore {
  readonly #db: Database.Database;
  readonly #maxRows: number;
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  readonly #insert: Database.Statement;
  readonly #recent: Database.Statement;
  readonly #pruneCount: Database.Statement;
  readonly #pruneAge: Database.Statement;
  readonly #maxRefusalRows: number;
  readonly #refuse: Database.Statement;
  readonly #refusals: Database.Statement;
  readonly #pruneRefusalCount: Database.Statement;
  readonly #pruneRefusalAge: Database.Statement;

  constructor(path: string, opts: AuditStoreOptions = {}) {
    this.#maxRows = opts.maxRows ?? 10_000;
    this.#maxAgeMs = (opts.maxAgeDays ?? 365) * 86_400_000;
    this.#maxRefusalRows = opts.maxRefusalRows ?? 10_000;
    this.#now = opts.now ?? Date.now;
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    // NORMAL is durable across application crashes in WAL mode; a power cut may lose the last commits only.
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('busy_timeout = 5000');
    migrate(this.#db);
    this.#insert = this.#db.prepare(
      'INSERT INTO mcp_audit (at, caller, role, transport, tool, arguments, ok, result, duration_ms, uid, pid) VALUES (@at, @caller, @role, @transport, @tool, @arguments, @ok, @result, @duration_ms, @uid, @pid)',
    );
    this.#refuse = this.#db.prepare(
      `INSERT INTO mcp_audit_refusals (minute, caller, role, transport, tool, uid, last_pid, count, first_at, last_at, reason)
       VALUES (@minute, @caller, @role, @transport, @tool, @uid, @pid, 1, @at, @at, @reason)
       ON CONFLICT (minute, caller, transport, tool) DO UPDATE SET count = count + 1, last_at = MAX(last_at, excluded.last_at), last_pid = excluded.last_pid, role = excluded.role, reason = excluded.reason`,
    );
    this.#refusals = this.#db.prepare('SELECT * FROM mcp_audit_refusals ORDER BY last_at DESC, id DESC LIMIT ?');
    this.#pruneRefusalCount = this.#db.prepare('DELETE FROM mcp_audit_refusals WHERE id <= (SELECT id FROM mcp_audit_refusals ORDER BY id DESC LIMIT 1 OFFSET ?)');
    this.#pruneRefusalAge = this.#db.prepare('DELETE FROM mcp_audit_refusals WHERE last_at < ?');
    this.#recent = this.#db.prepare('SELECT * FROM mcp_audit ORDER BY id DESC LIMIT ?');
    this.#pruneCount = this.#db.prepare('DELETE FROM mcp_audit WHERE id <= (SELECT id FROM mcp_audit ORDER BY id DESC LIMIT 1 OFFSET ?)');
    this.#pruneAge = this.#db.prepare('DELETE FROM mcp_audit WHERE at < ?');
  }

  get journalMode(): string {
    return String(this.#db.pragma('journal_mode', { simple: true }));
  }

  record(r: NewAuditRecord): number {
    const at = r.at ?? this.#now();
    const info = this.#insert.run({
      at,
      caller: r.caller,
      role: r.role,
      transport: r.transport,
      tool: r.tool,
      arguments: capJson(r.arguments),
      ok: r.ok ? 1 : 0,
      result: capJson(r.result),
      duration_ms: r.durationMs,
      uid: r.uid ?? null,
      pid: r.pid ?? null,
    });
    this.#pruneCount.run(this.#maxRows);
    this.#pruneAge.run(this.#now() - this.#maxAgeMs);
    return Number(info.lastInsertRowid);
  }

  /** Newest first. */
  recent(limit: number): AuditRecord[] {
    const n = Math.max(0, Math.min(Math.floor(limit), this.#maxRows));
    return (this.#recent.all(n) as Row[]).map((row) => ({
      id: row.id,
      at: row.at,
      caller: row.caller,
      role: row.role,
      transport: row.transport,
      tool: row.tool,
      arguments: parseJson(row.arguments),
      ok: row.ok === 1,
      result: parseJson(row.result),
      durationMs: row.duration_ms,
      uid: row.uid,
      pid: row.pid,
    }));
  }

  /** Counts one refusal in its caller × transport × tool × minute row. */
  recordRefusal(r: NewRefusal): void {
    const at = r.at ?? this.#now();
    this.#refuse.run({
      minute: Math.floor(at / 60_000) * 60_000,
      caller: r.caller,
      role: r.role,
      transport: r.transport,
      tool: r.tool,
      uid: r.uid ?? null,
      pid: r.pid ?? null,
      at,
      reason: r.reason.slice(0, 1024),
    });
    this.#pruneRefusalCount.run(this.#maxRefusalRows);
    this.#pruneRefusalAge.run(this.#now() - this.#maxAgeMs);
  }

  /** Refusal rows, most recently refused first. */
  recentRefusals(limit: number): RefusalRecord[] {
    const n = Math.max(0, Math.min(Math.floor(limit), this.#maxRefusalRows));
    return (this.#refusals.all(n) as RefusalRow[]).map((row) => ({
      minute: row.minute,
      caller: row.caller,
      role: row.role,
      transport: row.transport,
      tool: row.tool,
      uid: row.uid,
      lastPid: row.last_pid,
      count: row.count,
      firstAt: row.first_at,
      lastAt: row.last_at,
      reason: row.reason,
    }));
  }

  close(): void {
    this.#db.close();
  }
}

function capJson(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v ?? null, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) ?? 'null';
  } catch (err) {
    s = JSON.stringify({ unserialisable: (err as Error).message });
  }
  return s.length <= MAX_JSON ? s : JSON.stringify({ truncated: true, bytes: s.length, head: s.slice(0, 4096) });
}

function parseJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}
