import t from 'tap';
import { fleetSchema } from '../../../../src/config/sections/fleet.js';
import { ALARM_RULES } from '../../../../src/daemon/core/alarm-rules.js';
import { initialState } from '../../../../src/daemon/core/appliance-state.js';
import { initialFleetStatus } from '../../../../src/daemon/core/fleet-status.js';
import type { AlarmInputs } from '../../../../src/daemon/core/alarm-types.js';
import { ingestUrl } from '../../../../src/daemon/fleet/uploader.js';

t.test('fleet config: off by default, a url needs a token, limits from the wire contract', async (t) => {
  const d = fleetSchema.parse({});
  t.same([d.url, d.intervalS, d.batchMax, d.retention.days, d.backoff.initialMs], [null, 10, 500, 30, 1000]);
  t.notOk(fleetSchema.safeParse({ url: 'https://c.example:8470' }).success, 'url without token or tokenFile');
  t.ok(fleetSchema.safeParse({ url: 'https://c.example:8470', tokenFile: '/etc/stratum1d/fleet-token' }).success);
  t.notOk(fleetSchema.safeParse({ url: 'https://c.example', token: 'a', tokenFile: '/x' }).success, 'not both');
  t.notOk(fleetSchema.safeParse({ batchMax: 1001 }).success, 'batchMax within MAX_BATCH_ITEMS');
  t.notOk(fleetSchema.safeParse({ url: 'ftp://c.example', token: 'a' }).success, 'http(s) only');
  t.notOk(fleetSchema.safeParse({ tokn: 'x' }).success, 'strict: an unknown key is an error');
  t.equal(ingestUrl('https://c.example:8470').toString(), 'https://c.example:8470/api/v1/ingest');
  t.equal(ingestUrl('https://c.example/fleet/').toString(), 'https://c.example/fleet/api/v1/ingest', 'a path prefix is kept');
});

t.test('fleet alarms: outbox unwritable is major, upload failures warn after 3, a refused token is major', async (t) => {
  const inputs: AlarmInputs = { now: 0, offsetLimitS: 1, ppsStaleMs: 3000, leapFileWarnMs: 0, leapFileExpiresAt: null, configChangedAt: null, configChangedHoldMs: 0 };
  const base = initialState({ version: 't', pid: 1, startedAt: 0, mode: 'hardware', configSource: 'x', gnssDevice: 'd', timeValidAfter: 3, ppsSource: null, rtcModel: null });
  const fire = (fleet: Partial<ReturnType<typeof initialFleetStatus>>) => {
    const s = { ...base, fleet: { ...initialFleetStatus(true, 'https://c/'), ...fleet } };
    return Object.fromEntries(ALARM_RULES.filter((r) => r.id.startsWith('fleet-')).flatMap((r) => { const c = r.check(s, inputs); return c ? [[r.id, c.severity]] : []; }));
  };
  t.same(fire({}), {});
  t.same(fire({ outboxError: 'cannot write the outbox: database or disk is full' }), { 'fleet-outbox-error': 'major' });
  t.same(fire({ lastError: 'the collector answered 503 (busy: busy)', consecutiveFailures: 2 }), {}, 'a blip is not an alarm');
  t.same(fire({ lastError: 'the collector answered 503 (busy: busy)', consecutiveFailures: 3 }), { 'fleet-upload-failing': 'warning' });
  t.same(fire({ lastError: 'the collector refused the device token (401 unauthorized: x)', consecutiveFailures: 3 }), { 'fleet-upload-failing': 'major' });
  const off = { ...base, fleet: { ...initialFleetStatus(false, null), outboxError: 'x', lastError: 'y', consecutiveFailures: 9 } };
  t.notOk(ALARM_RULES.some((r) => r.id.startsWith('fleet-') && r.check(off, inputs)), 'nothing when fleet is off');
});
