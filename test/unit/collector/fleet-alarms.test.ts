import t from 'tap';
import { fleetAlarms, median } from '../../../src/collector/fleet-alarms.js';
import type { DeviceRow, TelemetryRow } from '../../../src/collector/store/fleet-store.js';
import { telemetryBody } from '../../helpers/fleet-store-conformance.js';

const NOW = Date.UTC(2025, 5, 1);
const DAY = 86_400_000;

function dev(name: string, over: Partial<DeviceRow> = {}): DeviceRow {
  return { name, createdAt: NOW - 30 * DAY, tokenExpiresAt: null, lastSeq: 100, stored: 100, gaps: 0, lastSeen: NOW - 5000, software: '0.1.0', ...over };
}
function latest(device: string, offsetMeanS: number, holdover: { state: string; estimateS: number | null } = { state: 'locked', estimateS: null }): TelemetryRow {
  const body = telemetryBody(0, { holdover });
  body.offsetS = { count: 10, min: offsetMeanS, max: offsetMeanS, mean: offsetMeanS, rms: Math.abs(offsetMeanS) };
  return { device, seq: 100, at: NOW - 5000, receivedAt: NOW - 5000, body };
}
const run = (devices: DeviceRow[], rows: TelemetryRow[], thresholds = {}) => fleetAlarms({ devices, latest: rows, now: NOW, intervalS: 10, thresholds });

t.test('median', async (t) => {
  t.equal(median([]), null);
  t.equal(median([3, 1, 2]), 2);
  t.equal(median([4, 1, 3, 2]), 2.5);
});

t.test('a healthy fleet has no alarms', async (t) => {
  t.same(run([dev('a'), dev('b'), dev('c')], [latest('a', 1e-6), latest('b', -2e-6), latest('c', 0)]), []);
});

t.test('silent: after 3 intervals, not before; never-reported is a warning', async (t) => {
  const alarms = run(
    [dev('edge', { lastSeen: NOW - 30_000 }), dev('late', { lastSeen: NOW - 30_001 }), dev('new', { lastSeen: null, createdAt: NOW - 60_000 }), dev('fresh', { lastSeen: null, createdAt: NOW - 1000 })],
    [],
  );
  t.same(
    alarms.map((a) => [a.device, a.id, a.severity, a.since]),
    [
      ['late', 'silent', 'major', NOW - 30_001],
      ['new', 'silent', 'warning', NOW - 60_000],
    ],
  );
  t.match(alarms[0]!.message, /late silent for 1 min \(3 intervals of 10 s missed\)/);
  t.equal(run([dev('x', { lastSeen: NOW - 50_000 })], [], { silentIntervals: 6 }).length, 0, 'threshold configurable');
});

t.test('offset against the fleet median', async (t) => {
  const devices = ['a', 'b', 'c', 'd', 'e'].map((n) => dev(n));
  const rows = [latest('a', 1e-6), latest('b', 2e-6), latest('c', 3e-6), latest('d', 3e-6 + 150e-6), latest('e', -2e-3)];
  const alarms = run(devices, rows);
  t.same(
    alarms.map((a) => [a.device, a.id, a.severity]),
    [
      ['e', 'offset-vs-median', 'major'],
      ['d', 'offset-vs-median', 'minor'],
    ],
    'median 2 µs: d is 151 µs off (minor), e 2 ms off (over 10x: major); sorted by severity',
  );
  t.match(alarms[1]!.message, /d offset 153\.0 µs is 151\.0 µs from the fleet median 2\.0 µs \(threshold 100\.0 µs\)/);
  t.same(run(devices.slice(0, 2), [latest('a', 0), latest('b', 1)]), [], 'fewer than 3 peers: no median verdict');
  t.same(
    run([...devices.slice(0, 3), dev('e', { lastSeen: NOW - 60_000 })], [latest('a', 0), latest('b', 0), latest('c', 0), latest('e', 1)]).map((a) => a.id),
    ['silent'],
    "a silent appliance's stale offset is not judged",
  );
  t.same(run(devices.slice(0, 3), [latest('a', 0), latest('b', 0), latest('c', 5e-4)], { offsetS: 1e-3 }), [], 'threshold configurable');
});

t.test('holdover from the newest record', async (t) => {
  const alarms = run([dev('a'), dev('b')], [latest('a', 0, { state: 'holdover', estimateS: 2.5e-6 }), latest('b', 0, { state: 'unlocked', estimateS: null })]);
  t.same(
    alarms.map((a) => [a.device, a.id, a.severity]),
    [['a', 'holdover', 'major']],
  );
  t.match(alarms[0]!.message, /a is in holdover \(estimated error 2\.5 µs\)/);
});

t.test('token expiring within N days (warning), expired (critical)', async (t) => {
  const alarms = run([dev('soon', { tokenExpiresAt: NOW + 3 * DAY - 1000 }), dev('later', { tokenExpiresAt: NOW + 20 * DAY }), dev('past', { tokenExpiresAt: NOW - 1 })], []);
  t.same(
    alarms.map((a) => [a.device, a.id, a.severity]),
    [
      ['past', 'token-expiring', 'critical'],
      ['soon', 'token-expiring', 'warning'],
    ],
  );
  t.match(alarms[1]!.message, /expires in 3 days/);
  t.equal(run([dev('later', { tokenExpiresAt: NOW + 20 * DAY })], [], { tokenExpiringDays: 30 }).length, 1);
});

t.test("silent counts the appliance's own interval (its newest telemetry), not the collector's", async (t) => {
  const slow = (lastSeen: number) => dev('slow', { lastSeen });
  const every60s: TelemetryRow = { ...latest('slow', 0), body: { ...latest('slow', 0).body, intervalS: 60 } };
  const silentAt = (now: number, rows: TelemetryRow[]) =>
    fleetAlarms({ devices: [slow(NOW)], latest: rows, now, intervalS: 10 }).filter((a) => a.id === 'silent');
  t.same(silentAt(NOW + 35_000, [every60s]), [], 'a 60 s appliance 35 s after its last report is not silent');
  t.same(silentAt(NOW + 180_000, [every60s]), [], 'nor at exactly 3 of its intervals');
  const late = silentAt(NOW + 181_000, [every60s]);
  t.same(
    late.map((a) => [a.device, a.severity, a.since]),
    [['slow', 'major', NOW]],
    'silent after 181 s',
  );
  t.match(late[0]!.message, /slow silent for 3 min \(3 intervals of 60 s missed\)/);
  t.equal(silentAt(NOW + 35_000, []).length, 1, "no telemetry yet: the collector's 10 s stands in");
  // A reload or stop closes its interval early: that short record must not shorten the wait.
  const partial: TelemetryRow = { ...latest('slow', 0), body: { ...latest('slow', 0).body, intervalS: 2 } };
  t.same(silentAt(NOW + 12_000, [partial]), [], 'after a 2 s partial interval, not silent 12 s later');
  t.equal(silentAt(NOW + 31_000, [partial]).length, 1, "but silent after 3 of the collector's intervals");
});
