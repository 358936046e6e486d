import { join } from 'node:path';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import t from 'tap';
import type { ApplianceState } from '../../../../../src/daemon/core/appliance-state.js';
import type { ApplianceApi } from '../../../../../src/daemon/mcp/appliance-api.js';
import { CHRONY_CONFIG_URI, STATUS_URI } from '../../../../../src/daemon/mcp/server/resources.js';
const textOf = (c: { contents: readonly object[] }): string => String((c.contents[0] as { text?: unknown } | undefined)?.text);
import { ADMIN, connectClient, downApi, makeDaemonApi, populatedStore, READER, tempDir } from './fixtures.js';

t.test('status and chrony config resources', async (t) => {
  const { api } = makeDaemonApi(populatedStore(), join(tempDir(t), 'a.db'));
  const c = await connectClient(api, READER);
  t.teardown(c.close);
  const { resources } = await c.client.listResources();
  t.same(resources.map((r) => r.uri).sort(), [CHRONY_CONFIG_URI, STATUS_URI].sort());
  const status = await c.client.readResource({ uri: STATUS_URI });
  const body = JSON.parse(textOf(status));
  t.equal(body.daemon, 'up');
  t.equal(body.timekeeper.selected, 'PPS');
  t.equal(body.gnss.fix.mode, 3);
  t.same(body.gnss.constellations, [
    { constellation: 'GPS', visible: 3, used: 2 },
    { constellation: 'Galileo', visible: 2, used: 1 },
  ]);
  const chrony = await c.client.readResource({ uri: CHRONY_CONFIG_URI });
  t.equal(textOf(chrony), 'refclock SOCK /run/x.sock refid NMEA\n');
  t.equal(c.client.getServerCapabilities()?.resources?.subscribe, true);
});

t.test('status resource with the daemon down', async (t) => {
  const c = await connectClient(downApi, READER);
  t.teardown(c.close);
  const body = JSON.parse(textOf(await c.client.readResource({ uri: STATUS_URI })));
  t.equal(body.daemon, 'down');
  await t.rejects(c.client.readResource({ uri: CHRONY_CONFIG_URI }));
});

t.test('subscribers are notified when fix or sync state changes, not on counters', async (t) => {
  const store = populatedStore();
  const { api } = makeDaemonApi(store, join(tempDir(t), 'a.db'));
  const c = await connectClient(api, READER);
  t.teardown(c.close);
  const seen: string[] = [];
  c.client.setNotificationHandler(ResourceUpdatedNotificationSchema, async (n) => {
    seen.push(n.params.uri);
  });
  await c.client.subscribeResource({ uri: STATUS_URI });
  const settle = () => new Promise((r) => setTimeout(r, 20));
  store.update('pps', { pulses: 3601 });
  await settle();
  t.same(seen, [], 'a pulse counter is not a state change');
  store.update('gnss', { fix: { ...(store.snapshot.gnss.fix as NonNullable<ApplianceState['gnss']['fix']>), mode: 2 } });
  await settle();
  t.same(seen, [STATUS_URI], 'fix mode 3 → 2');
  store.update('timekeeper', { synced: false, sources: store.snapshot.timekeeper.sources.map((s) => ({ ...s, state: s.state === 'selected' ? ('unreachable' as const) : s.state })) });
  await settle();
  t.same(seen, [STATUS_URI, STATUS_URI], 'sync lost');
  await c.client.unsubscribeResource({ uri: STATUS_URI });
  store.update('gnss', { trust: { timeValid: false, validStreak: 0, needed: 3 } });
  await settle();
  t.equal(seen.length, 2, 'nothing after unsubscribe');
  await t.rejects(c.client.subscribeResource({ uri: 'stratum1d://nope' }), /unknown resource/);
});

t.test('without api.watch the server polls state() while subscribed', async (t) => {
  const store = populatedStore();
  const { api } = makeDaemonApi(store, join(tempDir(t), 'a.db'));
  let polls = 0;
  const noWatch: ApplianceApi = {
    state: () => (polls++, api.state()),
    config: () => api.config(),
    renderTimekeeperConfig: () => api.renderTimekeeperConfig(),
    applyTimekeeperConfig: (x) => api.applyTimekeeperConfig(x),
    restartTimekeeper: (x) => api.restartTimekeeper(x),
    calibrateNmeaOffset: (x) => api.calibrateNmeaOffset(x),
    setRtcFromSystem: (x) => api.setRtcFromSystem(x),
    auditLog: (n) => api.auditLog(n),
  };
  const c = await connectClient(noWatch, READER, { statusPollMs: 10 });
  t.teardown(c.close);
  const seen: string[] = [];
  c.client.setNotificationHandler(ResourceUpdatedNotificationSchema, async (n) => {
    seen.push(n.params.uri);
  });
  await c.client.subscribeResource({ uri: STATUS_URI });
  store.update('timekeeper', { reachable: false, lastError: 'chronyd not running' });
  const deadline = Date.now() + 2000;
  while (seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  t.same(seen, [STATUS_URI]);
  t.ok(polls >= 2);
  await c.client.unsubscribeResource({ uri: STATUS_URI });
  const after = polls;
  await new Promise((r) => setTimeout(r, 60));
  t.ok(polls <= after + 1, 'polling stops after unsubscribe');
});

t.test('prompts', async (t) => {
  const { api } = makeDaemonApi(populatedStore(), join(tempDir(t), 'a.db'));
  const c = await connectClient(api, ADMIN);
  t.teardown(c.close);
  const { prompts } = await c.client.listPrompts();
  t.same(prompts.map((p) => p.name).sort(), ['diagnose_time_server', 'format_time', 'time', 'time_in', 'unix_time']);
  t.same(prompts.find((p) => p.name === 'time_in')?.arguments?.map((a) => [a.name, a.required]), [['timezone', true]]);
  const tin = await c.client.getPrompt({ name: 'time_in', arguments: { timezone: 'Asia/Tokyo' } });
  t.match(JSON.stringify(tin.messages), /get_time_with_timezone with timezone \\"Asia\/Tokyo\\"/);
  const diag = await c.client.getPrompt({ name: 'diagnose_time_server' });
  const txt = (diag.messages[0]?.content as { text: string }).text;
  const order = ['get_health', 'get_gnss_status', 'get_pps_status', 'get_ntp_status', 'get_ntp_peers', 'explain_sync'].map((n) => txt.indexOf(n));
  t.ok(order.every((i) => i >= 0), 'names the tools');
  t.same([...order].sort((a, b) => a - b), order, 'in diagnostic order');
  await t.rejects(c.client.getPrompt({ name: 'time_in', arguments: {} }));
});
