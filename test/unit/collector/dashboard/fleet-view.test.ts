import t from 'tap';
import { buildFleetView, compareFleetRows, isReporting, worstSeverity } from '../../../../src/collector/dashboard/fleet-view.js';
import type { DeviceRow, TelemetryRow } from '../../../../src/collector/store/fleet-store.js';

const NOW = 1_700_000_000_000;
const device = (name: string, lastSeen: number | null): DeviceRow => ({ name, createdAt: NOW - 86_400_000, tokenExpiresAt: null, lastSeq: 5, stored: 5, gaps: 0, lastSeen, software: '0.1.0' });
const agg = (mean: number) => ({ count: 10, min: mean, max: mean, mean, rms: Math.abs(mean) });
const telemetry = (name: string, offsetS: number | null): TelemetryRow => ({
  device: name,
  seq: 5,
  at: NOW - 5000,
  receivedAt: NOW - 4000,
  body: {
    intervalS: 10, fromMs: NOW - 15000, toMs: NOW - 5000, offsetS: offsetS === null ? null : agg(offsetS), frequencyPpm: agg(1.5), skewPpm: null, rootDelayS: null, rootDispersionS: null,
    ppsOffsetS: null, ppsJitterS: agg(2e-7), stratum: 1, leap: 'normal', selectedSource: 'PPS', gnss: { mode: 3, satellitesUsed: agg(9), cnoDbHz: agg(41) }, rtc: { driftPpm: null, temperatureC: null }, holdover: { state: 'locked', estimateS: null },
  },
});

t.test('sorted by severity, then |offset| largest first, unknown offsets last, then name', async (t) => {
  const devices = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((n) => device(n, NOW - 1000));
  const latest = [telemetry('a', 1e-6), telemetry('b', -5e-6), telemetry('c', 2e-6), telemetry('d', -9e-3), telemetry('e', null), telemetry('f', 3e-6)];
  const alarms = [
    { device: 'c', id: 'offset-vs-median', severity: 'minor' as const, message: 'far', since: NOW },
    { device: 'f', id: 'holdover', severity: 'major' as const, message: 'holdover', since: NOW },
    { device: 'f', id: 'token-expiring', severity: 'warning' as const, message: 'soon', since: null },
    { device: null, id: 'silent', severity: 'critical' as const, message: 'fleet-wide', since: null },
  ];
  const v = buildFleetView({ devices, latest, alarms, now: NOW, intervalS: 10 });
  // f (major) > c (minor) > no alarm: d (9 ms) > b (5 µs) > a (1 µs) > e (no offset) = g (no telemetry) by name
  t.same(v.rows.map((r) => r.name), ['f', 'c', 'd', 'b', 'a', 'e', 'g']);
  t.equal(v.rows[0]!.severity, 'major', 'the worst of a device’s alarms');
  t.same(v.rows[0]!.alarms.map((a) => a.id), ['holdover', 'token-expiring']);
  t.equal(v.rows[2]!.offsetS, -9e-3);
  t.equal(v.rows[6]!.offsetS, null, 'no telemetry: null, never 0');
  t.same(v.bySeverity, { critical: 0, major: 1, minor: 1, warning: 0, info: 0 }, 'device-less alarms do not colour a row');
});

t.test('expected = registered, reporting = heard within 3 intervals', async (t) => {
  const devices = [device('fresh', NOW - 29_000), device('edge', NOW - 30_000), device('late', NOW - 30_001), device('never', null)];
  const v = buildFleetView({ devices, latest: [], alarms: [], now: NOW, intervalS: 10 });
  t.equal(v.expected, 4);
  t.equal(v.reporting, 2);
  t.same(v.rows.filter((r) => r.reporting).map((r) => r.name).sort(), ['edge', 'fresh']);
  t.equal(isReporting(NOW - 59_000, NOW, 20), true);
  t.equal(isReporting(null, NOW, 20), false);
});

t.test('each appliance is judged by its own reporting interval, the collector\'s only when it sent none', async (t) => {
  const slow = { ...telemetry('slow', 1e-6), body: { ...telemetry('slow', 1e-6).body, intervalS: 60 } };
  const devices = [device('slow', NOW - 170_000), device('fast', NOW - 35_000), device('quiet', NOW - 35_000)];
  const v = buildFleetView({ devices, latest: [slow, telemetry('fast', 1e-6)], alarms: [], now: NOW, intervalS: 10 });
  const reporting = new Map(v.rows.map((r) => [r.name, r.reporting]));
  t.equal(reporting.get('slow'), true, 'every 60 s: heard 170 s ago is within 3 intervals');
  t.equal(reporting.get('fast'), false, 'every 10 s: 35 s is 3 intervals missed');
  t.equal(reporting.get('quiet'), false, 'no telemetry: the collector\'s 10 s');
  t.equal(v.reporting, 1);
});

t.test('comparator and worst severity edge cases', async (t) => {
  t.equal(worstSeverity([]), null);
  t.equal(worstSeverity([{ device: 'x', id: 'a', severity: 'info', message: '', since: null }, { device: 'x', id: 'b', severity: 'critical', message: '', since: null }]), 'critical');
  t.ok(compareFleetRows({ name: 'z', severity: 'info', offsetS: null }, { name: 'a', severity: null, offsetS: 1 }) < 0, 'any alarm before none');
  t.ok(compareFleetRows({ name: 'a', severity: null, offsetS: -2 }, { name: 'b', severity: null, offsetS: 1 }) < 0, '|−2| before |1|');
  t.equal(compareFleetRows({ name: 'a', severity: null, offsetS: 1 }, { name: 'a', severity: null, offsetS: -1 }), 0);
});
