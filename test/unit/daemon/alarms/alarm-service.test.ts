import t from 'tap';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { alarmsSchema } from '../../../../src/config/sections/alarms.js';
import { ManualClock } from '../../../../src/drivers/clock.js';
import { AlarmService } from '../../../../src/daemon/alarms/alarm-service.js';
import { formatAlarms } from '../../../../src/daemon/alarms/format-alarms.js';
import { parseLeapFileExpiry, readLeapFileExpiry } from '../../../../src/daemon/alarms/leap-file.js';
import { ApplianceStore, initialState } from '../../../../src/daemon/core/appliance-state.js';
import { createLogger } from '../../../../src/daemon/logger.js';

const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);
const NTP_UNIX = 2_208_988_800;

function setup(o: { leapText?: string | null } = {}) {
  const clock = new ManualClock(T0);
  const store = new ApplianceStore(
    initialState({ version: 't', pid: 1, startedAt: T0, mode: 'hardware', configSource: 'x', gnssDevice: '/dev/ttyAMA0', timeValidAfter: 3, ppsSource: 'pps0', rtcModel: null }),
  );
  store.update('gnss', { link: 'open', trust: { timeValid: true, validStreak: 3, needed: 3 } });
  store.update('pps', { link: 'open', lastEdge: { sec: T0 / 1000, nsec: 0, seq: 1 } });
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ level: 'debug', format: 'json', stream: { write: (l: string) => (lines.push(JSON.parse(l)), true) } as unknown as NodeJS.WritableStream });
  const leapText = o.leapText === undefined ? null : o.leapText;
  const svc = new AlarmService({
    store,
    log,
    clock,
    config: alarmsSchema.parse({ raiseAfterS: 10, clearAfterS: 30 }),
    leapSecondsFile: '/fake/leap-seconds.list',
    readFile: async () => {
      if (leapText === null) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return leapText;
    },
  });
  return { clock, store, svc, lines };
}

/** Moves time on one second at a time, with a fresh PPS edge each second while `pps` is true. */
function run(env: ReturnType<typeof setup>, seconds: number, pps: boolean): void {
  for (let k = 0; k < seconds; k++) {
    env.clock.advance(1000);
    if (pps) env.store.update('pps', { lastEdge: { sec: Math.floor(env.clock.now() / 1000), nsec: 0, seq: k } });
  }
}

t.test('PPS that stops raises pps-missing after stale + raiseAfter, published in the state and logged; it clears after clearAfter', async (t) => {
  const env = setup();
  await env.svc.start();
  run(env, 20, true);
  t.same(env.store.snapshot.alarms.active, []);
  const stoppedAt = env.clock.now();
  run(env, 12, false); // stale after 3 s, pending 10 s more
  t.same(env.store.snapshot.alarms.active, [], 'not yet: 12 s without PPS');
  run(env, 2, false);
  const active = env.store.snapshot.alarms.active;
  t.equal(active.length, 1);
  t.equal(active[0]?.id, 'pps-missing');
  t.ok(active[0]!.since >= stoppedAt && active[0]!.since <= stoppedAt + 5000, 'since is when the edge went stale, not when the debounce ended');
  t.ok(env.lines.some((l) => l.msg === 'alarm raised' && l.alarm === 'pps-missing' && l.level === 'warn'));
  const back = env.clock.now();
  run(env, 29, true);
  t.equal(env.store.snapshot.alarms.active.length, 1, 'held through the clear period');
  run(env, 2, true);
  t.same(env.store.snapshot.alarms.active, []);
  const h = env.store.snapshot.alarms.history[0];
  t.equal(h?.id, 'pps-missing');
  t.ok(h!.clearedAt > back && h!.clearedAt <= back + 1000);
  t.ok(env.lines.some((l) => l.msg === 'alarm cleared' && l.alarm === 'pps-missing'));
  env.svc.stop();
  t.equal(env.clock.pendingTimers, 0, 'stop cancels the tick');
});

t.test('noteConfigChanged raises an info alarm at once that holds for configChangedHoldS', async (t) => {
  const env = setup();
  await env.svc.start();
  env.clock.advance(5000);
  env.store.update('pps', { lastEdge: { sec: env.clock.now() / 1000, nsec: 0, seq: 2 } });
  env.svc.noteConfigChanged();
  t.same(env.store.snapshot.alarms.active.map((a) => [a.id, a.severity]), [['config-changed', 'info']]);
  env.svc.stop();
  // Re-evaluation at a time past the hold clears it (no debounce for events).
  env.clock.advance(3600_000);
  env.store.update('pps', { lastEdge: { sec: env.clock.now() / 1000, nsec: 0, seq: 3 } });
  env.svc.evaluateNow();
  t.same(env.store.snapshot.alarms.active, []);
});

t.test('the leap-seconds file expiry is read by the service and passed to the rule', async (t) => {
  const expiresNtp = (T0 + 10 * 86_400_000) / 1000 + NTP_UNIX;
  const env = setup({ leapText: `#\n#$\t 3676924800\n#@\t${expiresNtp}\n2272060800\t10\t# 1 Jan 1972\n` });
  await env.svc.start();
  const a = env.store.snapshot.alarms.active.find((x) => x.id === 'leap-file-expiring');
  t.match(a, { severity: 'warning', message: /expires on 2026-01-20 \(in 10 days\)/ });
  env.svc.stop();

  const missing = setup({ leapText: null });
  await missing.svc.start();
  t.notOk(missing.store.snapshot.alarms.active.some((x) => x.id === 'leap-file-expiring'), 'no file: nothing to warn about');
  missing.svc.stop();

  const bad = setup({ leapText: '#@ soon\n' });
  await bad.svc.start();
  t.ok(bad.lines.some((l) => l.msg === 'leap-seconds file unusable; its expiry is not watched'));
  bad.svc.stop();
});

t.test('parseLeapFileExpiry reads the #@ line in NTP seconds', async (t) => {
  t.equal(parseLeapFileExpiry('#@\t3991593600\n'), Date.UTC(2026, 5, 28));
  t.equal(parseLeapFileExpiry('# no expiry\n'), null);
  t.equal(parseLeapFileExpiry('#@ x\n'), null);
  const system = '/usr/share/zoneinfo/leap-seconds.list';
  if (existsSync(system)) {
    const at = parseLeapFileExpiry(await readFile(system, 'utf8'));
    t.ok(at !== null && at > Date.UTC(2017, 0, 1), `this machine's tzdata file parses (${at === null ? 'null' : new Date(at).toISOString()})`);
  }
  t.same(await readLeapFileExpiry('/nonexistent/leap-seconds.list'), { kind: 'missing' });
});

t.test('formatAlarms lists active alarms by severity with age, then recent cleared ones', async (t) => {
  const now = T0 + 90_000;
  const lines = formatAlarms(
    {
      active: [
        { id: 'pps-missing', severity: 'major', since: T0, message: 'no PPS edge from pps0 for 90 s' },
        { id: 'config-changed', severity: 'info', since: T0 + 60_000, message: 'configuration reloaded' },
      ],
      history: [{ id: 'antenna-fault', severity: 'major', since: T0 - 600_000, clearedAt: T0 - 300_000, message: 'antenna open' }],
      raised: 3,
      cleared: 1,
    },
    now,
  );
  t.same(lines, [
    'alarms: 2 active',
    '  MAJOR    pps-missing since 2026-01-10T12:00:00Z (90 s): no PPS edge from pps0 for 90 s',
    '  INFO     config-changed since 2026-01-10T12:01:00Z (30 s): configuration reloaded',
    'cleared (latest 1 of 1):',
    '  major    antenna-fault 2026-01-10T11:50:00Z .. 2026-01-10T11:55:00Z (5 min): antenna open',
  ]);
  t.same(formatAlarms({ active: [], history: [], raised: 0, cleared: 0 }, now), ['alarms: none active']);
});
