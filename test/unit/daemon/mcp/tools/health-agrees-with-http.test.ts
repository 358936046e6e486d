import t from 'tap';
import type { ApplianceStore } from '../../../../../src/daemon/core/appliance-state.js';
import { buildHealth } from '../../../../../src/daemon/http/health.js';
import { healthOf } from '../../../../../src/daemon/mcp/tools/health.js';
import { healthyStore, okHost, T0 } from '../../http/state-fixture.js';

/**
 * MCP's get_health and GET /health judge the same appliance: they may word it differently
 * (`failed` / `down`), and MCP may add caution for active alarms, but one never calls the
 * appliance failed while the other calls it merely degraded. Each case is one fault on an
 * otherwise healthy appliance (host facts all fine, no alarms: alarms are MCP's own extra).
 */
const cases: Array<[string, (s: ApplianceStore) => void]> = [
  ['healthy', () => undefined],
  ['receiver missing', (s) => s.update('gnss', { link: 'connecting', lastError: 'ENOENT: no such file' })],
  ['receiver went away', (s) => s.update('gnss', { link: 'down', lastError: 'EIO' })],
  ['antenna open', (s) => s.update('gnss', { antenna: 'open' })],
  ['PPS line down', (s) => s.update('pps', { link: 'down' })],
  ['PPS gone quiet', (s) => s.update('pps', { health: { ...s.snapshot.pps.health!, condition: 'missing', message: 'no PPS edge for 4.0 s' } })],
  ['PPS at the wrong rate', (s) => s.update('pps', { health: { ...s.snapshot.pps.health!, condition: 'wrong-rate', message: 'PPS at 2.000 Hz' } })],
  ['RTC unreadable', (s) => s.update('rtc', { readable: false, lastError: 'EREMOTEIO' })],
  ['chronyd not answering', (s) => s.update('timekeeper', { reachable: false, lastError: 'connection refused' })],
  ['no chronyd status yet', (s) => s.update('timekeeper', { reachable: false, updatedAt: null })],
  ['holdover over budget', (s) => s.update('holdover', { state: 'holdover', estimatedErrorS: 0.01, budgetS: 0.001, overBudget: true, since: T0 })],
  ['not synchronised, 5 min after start', (s) => s.update('timekeeper', { synced: false })],
];

const MCP_FOR: Record<string, string> = { ok: 'ok', degraded: 'degraded', down: 'failed' };

for (const [name, fault] of cases) {
  t.test(name, async (t) => {
    const store = healthyStore();
    store.update('alarms', { active: [], raised: 0, cleared: 0 });
    fault(store);
    const now = T0 + 5 * 60_000;
    const http = buildHealth(store.snapshot, okHost(), now).status;
    const mcp = healthOf(store.snapshot, now);
    t.equal(mcp.overall, MCP_FOR[http], `/health says ${http}; get_health says ${mcp.overall} (${mcp.components.map((c) => `${c.name} ${c.level}`).join(', ')})`);
  });
}

t.test('not synchronised 20 min after start: both call it a failure', async (t) => {
  const store = healthyStore();
  store.update('alarms', { active: [], raised: 0, cleared: 0 });
  store.update('timekeeper', { synced: false });
  const now = T0 + 20 * 60_000;
  t.equal(buildHealth(store.snapshot, okHost(), now).status, 'down');
  t.equal(healthOf(store.snapshot, now).overall, 'failed');
});
