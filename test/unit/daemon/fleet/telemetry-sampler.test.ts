import t from 'tap';
import { ApplianceStore, initialState, type ApplianceState } from '../../../../src/daemon/core/appliance-state.js';
import type { TimekeeperTracking } from '../../../../src/daemon/core/timekeeper-types.js';
import type { PpsHealth } from '../../../../src/daemon/core/pps-tracker.js';
import type { Sky } from '../../../../src/daemon/core/fix.js';
import { eventsFromChange, TelemetrySampler } from '../../../../src/daemon/fleet/telemetry-sampler.js';
import { telemetryBodySchema, eventBodySchema } from '../../../../src/fleet-wire/schema.js';

const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);

function base(): ApplianceState {
  return initialState({ version: 't', pid: 1, startedAt: T0, mode: 'hardware', configSource: 'x', gnssDevice: '/dev/ttyAMA0', timeValidAfter: 3, ppsSource: 'pps0', rtcModel: 'ds3231', timekeeper: 'chrony' });
}

const tracking = (p: Partial<TimekeeperTracking>): TimekeeperTracking => ({ refId: 'PPS', refName: null, stratum: 1, systemOffsetS: 0, rootDelayS: 0, rootDispersionS: 1e-5, frequencyPpm: 1, skewPpm: 0.01, leap: 'normal', ...p });
const health = (lastNs: number, jitterNs: number): PpsHealth => ({ condition: 'ok', message: 'ok', pulses: 10, missed: 0, gaps: 0, resets: 0, lastSeenAgoMs: 100, rateHz: 1, interval: null, offset: { samples: 10, lastNs, meanNs: lastNs, jitterNs } });
const sky = (uSat: number, ss: number[]): Sky => ({
  time: null, nSat: ss.length + 2, uSat, hdop: 1, pdop: 1, vdop: 1,
  satellites: [...ss.map((v, i) => ({ PRN: i + 1, gnssid: 0 as const, svid: i + 1, sigid: null, el: 40, az: 10, ss: v, used: true })), { PRN: 30, gnssid: 0 as const, svid: 30, sigid: null, el: 5, az: 1, ss: 10, used: false }],
});
const W = { fromMs: T0, toMs: T0 + 10_000, intervalS: 10 };

t.test('aggregates each quantity over the samples its section published, once per publication', async (t) => {
  const store = new ApplianceStore(base());
  const sampler = new TelemetrySampler();
  store.subscribe((n, p) => sampler.observe(n, p));
  store.update('gnss', { link: 'open', fix: { mode: 3 } as ApplianceState['gnss']['fix'] });
  store.update('pps', { link: 'open' });
  store.update('timekeeper', { kind: 'chrony', reachable: true, synced: true, tracking: tracking({ systemOffsetS: 1e-6, frequencyPpm: 2 }), sources: [{ name: 'PPS', kind: 'refclock', state: 'selected', stratum: 0, reach: 255, lastSampleAgoS: 1, offsetS: 0, errorS: 0, stdDevS: 0 }] });
  // Chatty GNSS updates in between must not re-sample the unchanged tracking.
  for (let i = 0; i < 5; i++) store.update('gnss', { counters: { lines: i } });
  store.update('timekeeper', { tracking: tracking({ systemOffsetS: -3e-6, frequencyPpm: 4 }) });
  store.update('pps', { health: health(200, 50) });
  store.update('pps', { health: health(-400, 70) });
  store.update('gnss', { sky: sky(8, [40, 44]) });
  store.update('gnss', { sky: sky(10, [30, 34]) });
  store.update('rtc', { temperatureC: 24.5, drift: { ppm: 1.5, stdErrPpm: 0.1, points: 10, baselineS: 1000, updatedAt: T0, source: 'measured' } });
  store.update('holdover', { state: 'locked', estimatedErrorS: null });

  const body = sampler.finish(store.snapshot, W);
  t.ok(telemetryBodySchema.safeParse(body).success, 'matches the wire schema');
  t.same([body.offsetS?.count, body.offsetS?.min, body.offsetS?.max], [2, -3e-6, 1e-6]);
  t.ok(Math.abs(body.offsetS!.mean + 1e-6) < 1e-18 && Math.abs(body.offsetS!.rms - Math.sqrt(5) * 1e-6) < 1e-18, 'offset mean and RMS');
  t.same(body.frequencyPpm, { count: 2, min: 2, max: 4, mean: 3, rms: Math.sqrt(10) });
  t.equal(body.ppsOffsetS?.count, 2);
  t.equal(body.ppsOffsetS?.min, -4e-7);
  t.equal(body.ppsJitterS?.max, 7e-8);
  t.same(body.gnss.satellitesUsed, { count: 2, min: 8, max: 10, mean: 9, rms: Math.sqrt((64 + 100) / 2) });
  t.equal(body.gnss.cnoDbHz?.mean, 37, 'C/N0: mean over the used satellites only, then averaged over epochs');
  t.equal(body.gnss.mode, 3);
  t.equal(body.stratum, 1);
  t.equal(body.leap, 'normal');
  t.equal(body.selectedSource, 'PPS');
  t.same(body.rtc, { driftPpm: 1.5, temperatureC: 24.5 });
  t.same(body.holdover, { state: 'locked', estimateS: null });
  t.same([body.fromMs, body.toMs, body.intervalS], [W.fromMs, W.toMs, W.intervalS]);

  const next = sampler.finish(store.snapshot, { fromMs: W.toMs, toMs: W.toMs + 10_000, intervalS: 10 });
  t.same(next.offsetS, { count: 1, min: -3e-6, max: -3e-6, mean: -3e-6, rms: 3e-6 }, 'a quiet interval carries the latest live value once');
  t.equal(next.gnss.satellitesUsed?.count, 1);
});

t.test('unknown is null, never 0: nothing reachable, no receiver', async (t) => {
  const s = base();
  const body = new TelemetrySampler().finish(s, W);
  t.ok(telemetryBodySchema.safeParse(body).success);
  for (const k of ['offsetS', 'frequencyPpm', 'skewPpm', 'rootDelayS', 'rootDispersionS', 'ppsOffsetS', 'ppsJitterS'] as const) t.equal(body[k], null, k);
  t.same(body.gnss, { mode: null, satellitesUsed: null, cnoDbHz: null });
  t.same([body.stratum, body.leap, body.selectedSource], [null, null, null]);
  t.same(body.rtc, { driftPpm: null, temperatureC: null });
  t.equal(body.holdover.state, 'unlocked');

  const store = new ApplianceStore(base());
  store.update('timekeeper', { reachable: false, tracking: tracking({ systemOffsetS: 5 }) });
  t.equal(new TelemetrySampler().finish(store.snapshot, W).offsetS, null, 'a stale tracking from an unreachable chronyd is not reported');
});

t.test('events: alarms raised and cleared with severity, receiver lost and found', async (t) => {
  const s0 = base();
  const s1: ApplianceState = { ...s0, alarms: { ...s0.alarms, active: [{ id: 'pps-missing', severity: 'major', since: T0, message: 'no PPS' }] } };
  const raised = eventsFromChange(s1, s0);
  t.same(raised, [{ type: 'alarm-raised', alarm: 'pps-missing', severity: 'major', message: 'no PPS' }]);
  const s2: ApplianceState = { ...s1, alarms: { ...s1.alarms, active: [{ id: 'antenna-fault', severity: 'critical', since: T0, message: 'open' }] } };
  t.same(eventsFromChange(s2, s1).map((e) => [e.type, e.alarm, e.severity]), [['alarm-raised', 'antenna-fault', 'critical'], ['alarm-cleared', 'pps-missing', 'major']]);
  t.same(eventsFromChange(s1, s1), [], 'no change, no event');

  const open: ApplianceState = { ...s0, gnss: { ...s0.gnss, link: 'open' } };
  const down: ApplianceState = { ...s0, gnss: { ...s0.gnss, link: 'down', lastError: 'ENOENT' } };
  t.same(eventsFromChange(open, s0).map((e) => e.type), ['receiver-found']);
  t.same(eventsFromChange(down, open).map((e) => e.type), ['receiver-lost']);
  t.match(eventsFromChange(down, open)[0]!.message, /ENOENT/);
  t.same(eventsFromChange(down, s0), [], 'connecting → down was never found: nothing lost');
  for (const e of [...raised, ...eventsFromChange(down, open)]) t.ok(eventBodySchema.safeParse(e).success);
});
