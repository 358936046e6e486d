import t from 'tap';
import type { ApplianceState } from '../../../../../src/daemon/core/appliance-state.js';
import { alarmsOf, healthOf } from '../../../../../src/daemon/mcp/tools/health.js';
import { qualityFrom } from '../../../../../src/daemon/mcp/tools/quality.js';
import { redactSecrets } from '../../../../../src/daemon/mcp/tools/redact.js';
import { constellations } from '../../../../../src/daemon/mcp/tools/state-views.js';
import { populatedStore, T0 } from '../server/fixtures.js';

const withAlarms = (s: ApplianceState, alarms: unknown): ApplianceState => ({ ...s, alarms } as unknown as ApplianceState);

t.test('health: all good, then each component degrades the whole', async (t) => {
  const store = populatedStore();
  t.equal(healthOf(store.snapshot, T0).overall, 'ok');
  store.update('rtc', { batteryLow: true });
  const h = healthOf(store.snapshot, T0);
  t.equal(h.overall, 'degraded');
  t.same(h.components.find((c) => c.name === 'rtc'), { name: 'rtc', level: 'degraded', detail: 'battery low' });
  store.update('gnss', { link: 'down', lastError: 'ENOENT' });
  const lost = healthOf(store.snapshot, T0);
  t.equal(lost.components.find((c) => c.name === 'gnss')?.level, 'failed', 'the receiver itself has failed');
  t.equal(lost.overall, 'degraded', 'the appliance has not: holdover covers it, as /health says');
  store.update('timekeeper', { reachable: false, lastError: 'connection refused' });
  t.equal(healthOf(store.snapshot, T0).overall, 'failed', 'the timekeeper not answering is the appliance failing');
});

t.test('health: absent components never count against the whole', async (t) => {
  const store = populatedStore();
  store.update('rtc', { model: null });
  store.update('pps', { source: null, link: 'absent' });
  const h = healthOf(store.snapshot, T0);
  t.equal(h.overall, 'ok');
  t.same(h.components.filter((c) => c.level === 'absent').map((c) => c.name), ['pps', 'rtc']);
});

t.test('alarms: read with since-when, severity decides the level; absent section is null', async (t) => {
  const base = populatedStore().snapshot;
  const noAlarms = { ...base } as Record<string, unknown>;
  delete noAlarms.alarms;
  t.equal(alarmsOf(noAlarms as unknown as ApplianceState), null);
  const s = withAlarms(base, { active: [{ id: 'pps-missing', severity: 'major', since: T0 - 60_000, message: 'no PPS for 60 s' }], history: [], raised: 1, cleared: 0 });
  t.same(alarmsOf(s), [{ name: 'pps-missing', severity: 'major', message: 'no PPS for 60 s', since: new Date(T0 - 60_000).toISOString(), sinceMs: T0 - 60_000 }]);
  t.equal(healthOf(s, T0).overall, 'degraded', 'a major alarm degrades');
  t.equal(healthOf(withAlarms(base, { active: [{ id: 'x', severity: 'critical', since: T0, message: '' }] }), T0).overall, 'failed', 'a critical one fails');
  t.equal(healthOf(withAlarms(base, { active: [{ id: 'leap', severity: 'info', since: T0, message: 'leap second announced' }] }), T0).overall, 'ok');
  t.equal(healthOf(withAlarms(base, { active: [{ id: 'x', severity: 'warning', since: T0, message: '' }] }), T0).overall, 'degraded');
  t.same(alarmsOf(withAlarms(base, { active: [null, 3, 'x'] })), [], 'junk entries are skipped, never thrown on');
});

t.test('quality: synced, not synced, unreachable', async (t) => {
  const store = populatedStore();
  const q = qualityFrom(store.snapshot);
  t.equal(q.synced, true);
  t.equal(q.source, 'PPS');
  t.equal(q.stratum, 1);
  t.match(q.note, /synchronised to PPS, error bound 15\.\d µs/);
  store.update('timekeeper', { synced: false, sources: [] });
  t.match(qualityFrom(store.snapshot).note, /not synchronised/);
  store.update('timekeeper', { reachable: false, lastError: 'chronyd not running' });
  const u = qualityFrom(store.snapshot);
  t.same([u.synced, u.estimatedErrorS], [null, null], 'nothing invented');
});

t.test('redactSecrets at any depth', async (t) => {
  t.same(redactSecrets({ a: { password: 'x', token: null, keyFile: '/k', apiKeys: ['k1'], list: [{ secret: 's', name: 'n' }] } }), {
    a: { password: '[redacted]', token: null, keyFile: '/k', apiKeys: '[redacted]', list: [{ secret: '[redacted]', name: 'n' }] },
  });
});

t.test('constellations counts used and visible per system', async (t) => {
  const sat = (gnssid: 0 | 6 | null, used: boolean) => ({ PRN: 1, gnssid, svid: 1, sigid: null, el: null, az: null, ss: null, used });
  t.same(constellations([sat(6, true), sat(0, false), sat(6, false), sat(null, false)]), [
    { constellation: 'GLONASS', visible: 2, used: 1 },
    { constellation: 'GPS', visible: 1, used: 0 },
    { constellation: 'unknown', visible: 1, used: 0 },
  ]);
});
