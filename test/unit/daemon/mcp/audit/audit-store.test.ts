import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { AuditStore } from '../../../../../src/daemon/mcp/audit/audit-store.js';
import { COMPONENT, migrate, MIGRATIONS, schemaVersion, SchemaTooNew } from '../../../../../src/daemon/mcp/audit/migrations.js';

function dir(t: { teardown(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'stratum1d-audit-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
}
const row = (tool: string, at?: number) => ({ caller: 'k', role: 'admin', transport: 'stdio', tool, arguments: { a: 1 }, ok: true, result: { summary: 'x' }, durationMs: 1.5, ...(at !== undefined ? { at } : {}) });

t.test('records survive reopening; WAL mode; newest first', async (t) => {
  const path = join(dir(t), 'stratum1d.db');
  const a = new AuditStore(path, { now: () => 1000 });
  t.equal(a.journalMode, 'wal');
  a.record(row('apply_timekeeper_config'));
  a.record({ ...row('restart_timekeeper'), ok: false, result: { error: 'exit status 1' } });
  a.close();
  t.ok(existsSync(path));
  const b = new AuditStore(path);
  t.teardown(() => b.close());
  const rows = b.recent(10);
  t.same(rows.map((r) => [r.tool, r.ok, r.at]), [
    ['restart_timekeeper', false, 1000],
    ['apply_timekeeper_config', true, 1000],
  ]);
  t.same(rows[1]?.arguments, { a: 1 });
  t.same(rows[0]?.result, { error: 'exit status 1' });
  t.equal(rows[0]?.durationMs, 1.5);
  t.equal(b.recent(1).length, 1);
});

t.test('retention: row count and age are bounded', async (t) => {
  let now = 10 * 86_400_000;
  const s = new AuditStore(join(dir(t), 'db'), { maxRows: 5, maxAgeDays: 2, now: () => now });
  t.teardown(() => s.close());
  for (let i = 0; i < 8; i++) s.record(row(`t${i}`));
  t.same(s.recent(100).map((r) => r.tool), ['t7', 't6', 't5', 't4', 't3']);
  now += 3 * 86_400_000;
  s.record(row('fresh'));
  t.same(s.recent(100).map((r) => r.tool), ['fresh'], 'rows older than 2 days are gone');
});

t.test('huge results are capped, not stored whole', async (t) => {
  const s = new AuditStore(join(dir(t), 'db'));
  t.teardown(() => s.close());
  s.record({ ...row('apply_timekeeper_config'), result: { diff: 'x'.repeat(200_000) } });
  const r = s.recent(1)[0]?.result as { truncated: boolean; bytes: number };
  t.equal(r.truncated, true);
  t.ok(r.bytes > 200_000);
});

t.test('migrations: versioned per component, idempotent, refuse a newer schema', async (t) => {
  const db = new Database(join(dir(t), 'db'));
  t.teardown(() => db.close());
  t.equal(schemaVersion(db), 0);
  const latest = MIGRATIONS.length;
  t.equal(migrate(db), latest);
  t.equal(schemaVersion(db), latest);
  t.equal(migrate(db), latest, 'second run changes nothing');
  // Another component's row is left alone, and a later migration applies on top.
  db.prepare('INSERT INTO schema_versions (component, version) VALUES (?, ?)').run('fleet', 7);
  // The known versions are already applied, so only the entry after them runs.
  migrate(db, [...MIGRATIONS, 'CREATE TABLE x2 (b)']);
  t.equal(schemaVersion(db), latest + 1);
  t.ok(db.prepare("SELECT name FROM sqlite_master WHERE name = 'x2'").get(), 'the next migration ran');
  t.same(db.prepare('SELECT version FROM schema_versions WHERE component = ?').get('fleet'), { version: 7 });
  db.prepare('UPDATE schema_versions SET version = 9 WHERE component = ?').run(COMPONENT);
  t.throws(() => migrate(db), SchemaTooNew);
});

t.test('a failing migration leaves the previous version', async (t) => {
  const db = new Database(join(dir(t), 'db'));
  t.teardown(() => db.close());
  migrate(db);
  t.throws(() => migrate(db, [...MIGRATIONS, 'CREATE TABLE ok_table (a); THIS IS NOT SQL']));
  t.equal(schemaVersion(db), MIGRATIONS.length);
  t.notOk(db.prepare("SELECT name FROM sqlite_master WHERE name = 'ok_table'").get(), 'rolled back');
});
