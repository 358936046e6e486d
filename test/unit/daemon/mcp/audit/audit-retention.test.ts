import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { AuditStore } from '../../../../../src/daemon/mcp/audit/audit-store.js';
import { migrate, MIGRATIONS } from '../../../../../src/daemon/mcp/audit/migrations.js';
import { DaemonApi } from '../../../../../src/daemon/mcp/daemon-api.js';

function dir(t: { teardown(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'stratum1d-audit-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
}
const admin = (tool: string) => ({ caller: 'alice(uid 1000)', role: 'admin', transport: 'stdio', tool, arguments: {}, ok: true, result: { summary: 'done' }, durationMs: 2, uid: 1000, pid: 77 });
const refusal = (tool: string, caller = 'reader') => ({ caller, role: 'read', transport: 'http', tool, reason: `${tool} requires the admin role` });

t.test('10,000 refusals (and more) never evict an admin action, nor hide it from the first page', async (t) => {
  let now = 1_700_000_000_000;
  const s = new AuditStore(join(dir(t), 'db'), { now: () => now });
  t.teardown(() => s.close());
  s.record(admin('apply_timekeeper_config'));
  // A read key hammering admin tools for 20 minutes, several tools, 12,000 refusals.
  const tools = ['restart_timekeeper', 'apply_timekeeper_config', 'set_rtc_from_system'];
  for (let i = 0; i < 12_000; i++) {
    now += 100;
    s.recordRefusal(refusal(tools[i % 3]!));
  }
  const actions = s.recent(1);
  t.equal(actions.length, 1);
  t.match(actions[0], { tool: 'apply_timekeeper_config', caller: 'alice(uid 1000)', uid: 1000, pid: 77, ok: true }, 'the admin action is the newest action');
  const refusals = s.recentRefusals(10_000);
  t.equal(refusals.reduce((n, r) => n + r.count, 0), 12_000, 'every refusal counted');
  t.ok(refusals.length <= 21 * 3, `aggregated per caller, tool and minute: ${refusals.length} rows`);
  t.match(refusals[0], { caller: 'reader', role: 'read', transport: 'http', reason: /requires the admin role/ });
});

t.test('refusal rows have their own bound; admin rows keep theirs', async (t) => {
  let now = 0;
  const s = new AuditStore(join(dir(t), 'db'), { maxRows: 3, maxRefusalRows: 5, now: () => now });
  t.teardown(() => s.close());
  for (let i = 0; i < 3; i++) s.record(admin(`a${i}`));
  for (let i = 0; i < 50; i++) {
    now += 60_000; // a new minute each time: a new row each time
    s.recordRefusal(refusal('restart_timekeeper', `reader${i}`));
  }
  t.equal(s.recentRefusals(100).length, 5, 'refusals pruned to their own bound');
  t.same(s.recentRefusals(100).map((r) => r.caller), ['reader49', 'reader48', 'reader47', 'reader46', 'reader45']);
  t.same(s.recent(10).map((r) => r.tool), ['a2', 'a1', 'a0'], 'all admin actions kept');
});

t.test('schema 1 refusal rows move to the refusal table when the database is upgraded', async (t) => {
  const path = join(dir(t), 'db');
  const db = new Database(path);
  migrate(db, MIGRATIONS.slice(0, 1));
  const ins = db.prepare('INSERT INTO mcp_audit (at, caller, role, transport, tool, arguments, ok, result, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  ins.run(60_000, 'admin-key', 'admin', 'http', 'restart_timekeeper', '{}', 1, '{"summary":"ok"}', 3);
  for (let i = 0; i < 4; i++) ins.run(120_000 + i, 'reader', 'read', 'http', 'restart_timekeeper', '{}', 0, '{"refused":"needs admin"}', 0);
  db.close();
  const s = new AuditStore(path);
  t.teardown(() => s.close());
  t.same(s.recent(10).map((r) => [r.caller, r.tool, r.uid]), [['admin-key', 'restart_timekeeper', null]], 'only the action stays among actions');
  t.match(s.recentRefusals(10), [{ caller: 'reader', count: 4, firstAt: 120_000, lastAt: 120_003, reason: 'needs admin', minute: 120_000 }]);
});

t.test('the daemon API writes refusals apart with the real uid, and reads both', async (t) => {
  const s = new AuditStore(join(dir(t), 'db'));
  t.teardown(() => s.close());
  const api = new DaemonApi({ store: { snapshot: {} as never, subscribe: () => () => undefined }, config: () => ({}), timekeeper: null, calibration: null, audit: s });
  await api.recordRefusal({ id: 'bob(uid 1001)', role: 'read', transport: 'stdio', uid: 1001, pid: 5 }, 'restart_timekeeper', {}, 'no');
  await api.setRtcFromSystem({ id: 'alice(uid 1000)', role: 'admin', transport: 'stdio', uid: 1000, pid: 6 }).catch(() => undefined);
  t.match(await api.auditLog(10), [{ tool: 'set_rtc_from_system', uid: 1000, pid: 6, ok: false }]);
  t.match(await api.refusalLog(10), [{ tool: 'restart_timekeeper', uid: 1001, lastPid: 5, count: 1, caller: 'bob(uid 1001)' }]);
});
