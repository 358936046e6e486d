import t from 'tap';
import { ApplianceStore, initialState } from '../../../../src/daemon/core/appliance-state.js';
import type { AlarmInputs } from '../../../../src/daemon/core/alarm-types.js';
import { ALARM_RULES } from '../../../../src/daemon/core/alarm-rules.js';
import type { TimekeeperTracking } from '../../../../src/daemon/core/timekeeper-types.js';

const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);
const DAY = 86_400_000;

function inputs(extra: Partial<AlarmInputs> = {}): AlarmInputs {
  return { now: T0, offsetLimitS: 0.001, ppsStaleMs: 3000, leapFileWarnMs: 30 * DAY, leapFileExpiresAt: null, configChangedAt: null, configChangedHoldMs: 3600_000, ...extra };
}

function store(o: { pps?: string | null; rtc?: string | null; tk?: 'chrony' | 'none' } = {}): ApplianceStore {
  const s = new ApplianceStore(
    initialState({
      version: 't', pid: 1, startedAt: T0, mode: 'hardware', configSource: 'x', gnssDevice: '/dev/ttyAMA0', timeValidAfter: 3,
      ppsSource: o.pps === undefined ? 'pps0' : o.pps, rtcModel: o.rtc === undefined ? 'ds3231' : o.rtc, timekeeper: o.tk ?? 'chrony',
    }),
  );
  s.update('gnss', { link: 'open', trust: { timeValid: true, validStreak: 3, needed: 3 }, antenna: 'ok' });
  s.update('pps', { link: 'open', lastEdge: { sec: T0 / 1000 - 1, nsec: 0, seq: 9 }, pulses: 9 });
  s.update('rtc', { readable: true, oscillatorStopped: false, batteryLow: false });
  s.update('timekeeper', { reachable: true, synced: true, tracking: tracking({}) });
  return s;
}

function tracking(p: Partial<TimekeeperTracking>): TimekeeperTracking {
  return { refId: 'PPS', refName: null, stratum: 1, systemOffsetS: 2e-6, rootDelayS: 0, rootDispersionS: 1e-5, frequencyPpm: 1, skewPpm: 0.01, leap: 'normal', ...p };
}

function fired(s: ApplianceStore, i: AlarmInputs = inputs()): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of ALARM_RULES) {
    const c = r.check(s.snapshot, i);
    if (c) out[r.id] = `${c.severity}: ${c.message}`;
  }
  return out;
}

t.test('nothing fires on a healthy appliance', async (t) => {
  t.same(fired(store()), {});
  t.same(fired(store({ pps: null, rtc: null, tk: 'none' })), {}, 'nor with no PPS, RTC or timekeeper configured');
});

t.test('rule ids are unique', async (t) => {
  t.equal(new Set(ALARM_RULES.map((r) => r.id)).size, ALARM_RULES.length);
});

t.test('antenna fault from the receiver\'s ANTSTATUS', async (t) => {
  const s = store();
  s.update('gnss', { antenna: 'open' });
  t.match(fired(s), { 'antenna-fault': /^major: .*open circuit/ });
  s.update('gnss', { antenna: 'short' });
  t.match(fired(s), { 'antenna-fault': /short circuit/ });
  s.update('gnss', { antenna: null });
  t.notOk(fired(s)['antenna-fault'], 'unknown is not a fault');
});

t.test('GNSS not time-valid, and a receiver that is missing or went away: one alarm each, never both', async (t) => {
  const s = store();
  s.update('gnss', { trust: { timeValid: false, validStreak: 1, needed: 3 } });
  t.match(fired(s), { 'gnss-time-invalid': /GNSS time not valid: no data yet, 1\/3 consecutive good epochs/ });
  t.notOk(fired(s)['gnss-receiver-missing'], 'the port is open');
  s.update('gnss', { link: 'down', lastError: 'ENOENT /dev/ttyAMA0' });
  t.match(fired(s), { 'gnss-receiver-missing': /GNSS receiver .* went away \(ENOENT \/dev\/ttyAMA0\).*check the cable/ });
  t.notOk(fired(s)['gnss-time-invalid'], 'no second alarm for the same fault');
  s.update('gnss', { link: 'connecting', lastError: 'Error: No such file or directory, cannot open /dev/serial0' });
  t.match(fired(s), { 'gnss-receiver-missing': /^major: no GNSS receiver at .*No such file.*gnss\.device \(retrying\)$/ });
});

t.test('PPS missing: down, never seen, or stale beyond ppsStaleMs', async (t) => {
  const s = store();
  t.notOk(fired(s, inputs({ now: T0 + 2000 }))['pps-missing'], 'a 3 s old edge is within the limit');
  t.match(fired(s, inputs({ now: T0 + 2001 })), { 'pps-missing': /no PPS edge from pps0 for 3 s/ });
  s.update('pps', { lastEdge: null });
  t.match(fired(s), { 'pps-missing': /no PPS edge received from pps0 yet/ });
  s.update('pps', { link: 'down' });
  t.match(fired(s), { 'pps-missing': /pps0 is down/ });
  const none = store({ pps: null });
  none.update('pps', { lastEdge: null });
  t.notOk(fired(none)['pps-missing'], 'no PPS configured: no alarm');
});

t.test('timekeeper: unreachable after a failed query, unsynchronised while reachable, offset over the limit', async (t) => {
  const s = store();
  s.update('timekeeper', { reachable: false, lastError: null });
  t.notOk(fired(s)['timekeeper-unreachable'], 'not before the first query failed');
  s.update('timekeeper', { lastError: 'chronyc: 506 Cannot talk to daemon' });
  t.match(fired(s), { 'timekeeper-unreachable': /cannot query chrony: chronyc: 506/ });
  t.notOk(fired(s)['timekeeper-unsynchronised'], 'unsynchronised needs an answer');
  s.update('timekeeper', { reachable: true, lastError: null, synced: false, explanations: ['PPS has no lock on NMEA'] });
  t.match(fired(s), { 'timekeeper-unsynchronised': /^major: chrony is not synchronised: PPS has no lock on NMEA$/ });
  s.update('timekeeper', { synced: true, tracking: tracking({ systemOffsetS: -0.0025 }) });
  t.match(fired(s), { 'offset-over-limit': /off true time by -2\.500 ms \(limit 1\.000 ms\)/ });
  t.notOk(fired(s, inputs({ offsetLimitS: 0.003 }))['offset-over-limit'], 'within a wider limit');
});

t.test('RTC invalid (oscillator stopped), unreadable, battery low', async (t) => {
  const s = store();
  s.update('rtc', { oscillatorStopped: true, batteryLow: true });
  t.match(fired(s), { 'rtc-invalid': /^major: RTC ds3231 oscillator stopped/, 'rtc-battery-low': /^minor: .*battery low/ });
  s.update('rtc', { readable: false, lastError: 'EREMOTEIO' });
  t.match(fired(s), { 'rtc-unreadable': /cannot be read: EREMOTEIO/ });
  const none = store({ rtc: null });
  none.update('rtc', { oscillatorStopped: true });
  t.notOk(fired(none)['rtc-invalid']);
});

t.test('leap second announced by the timekeeper', async (t) => {
  const s = store();
  s.update('timekeeper', { tracking: tracking({ leap: 'insert' }) });
  t.match(fired(s), { 'leap-second-announced': /^info: .*23:59:60 UTC will be inserted/ });
  s.update('timekeeper', { tracking: tracking({ leap: 'delete' }) });
  t.match(fired(s), { 'leap-second-announced': /23:59:59 UTC will be skipped/ });
});

t.test('leap-seconds file: warning within the window, minor once expired', async (t) => {
  const s = store();
  t.notOk(fired(s, inputs({ leapFileExpiresAt: T0 + 31 * DAY }))['leap-file-expiring']);
  t.match(fired(s, inputs({ leapFileExpiresAt: T0 + 29.5 * DAY })), { 'leap-file-expiring': /^warning: .*expires on 2026-02-09 \(in 30 days\)/ });
  t.match(fired(s, inputs({ leapFileExpiresAt: T0 - 1 })), { 'leap-file-expiring': /^minor: .*expired on 2026-01-10/ });
});

t.test('config changed: info for configChangedHoldMs after the reload', async (t) => {
  const s = store();
  t.match(fired(s, inputs({ configChangedAt: T0 - 1000 })), { 'config-changed': /^info: configuration reloaded with changes at 2026-01-10T11:59:59/ });
  t.notOk(fired(s, inputs({ configChangedAt: T0 - 3600_000 }))['config-changed']);
});

t.test("the PPS tracker's verdicts: wrong rate and missing", async (t) => {
  const s = store();
  const health = (condition: 'wrong-rate' | 'missing' | 'ok', message: string) =>
    ({ condition, message, pulses: 10, missed: 0, gaps: 0, resets: 0, lastSeenAgoMs: 0, rateHz: 2, interval: null }) as unknown as NonNullable<ReturnType<typeof store>['snapshot']['pps']['health']>;
  s.update('pps', { health: health('wrong-rate', 'PPS at 2.00 Hz, not 1 Hz') });
  t.match(fired(s), { 'pps-wrong-rate': /^major: PPS at 2.00 Hz, not 1 Hz$/ });
  s.update('pps', { health: health('missing', 'no pulse for 5 s') });
  t.match(fired(s), { 'pps-missing': /^major: no pulse for 5 s$/ });
  s.update('pps', { health: health('ok', 'ok') });
  t.same(fired(s), {});
});

t.test('holdover over budget raises a major alarm; within budget or locked it does not', async (t) => {
  const s = store();
  const base = { since: T0 - 3600_000, budgetS: 0.001, skewPpm: 0.02, wanderPpmPerHour: 0.05 };
  s.update('holdover', { ...base, state: 'holdover', estimatedErrorS: 0.0004, overBudget: false });
  t.notOk(fired(s)['holdover-over-budget'], 'within budget');
  s.update('holdover', { ...base, state: 'holdover', estimatedErrorS: 0.0025, overBudget: true });
  t.match(fired(s)['holdover-over-budget'], /^major: in holdover since .*estimated time error 2\.500 ms exceeds the budget of 1\.000 ms/);
  s.update('holdover', { ...base, state: 'locked', estimatedErrorS: null, overBudget: false });
  t.notOk(fired(s)['holdover-over-budget'], 'locked again');
});

t.test('nmea-calibration-refused: a calibration in the second half of the second, with the reason', async (t) => {
  const s = store();
  const why = 'NMEA delay measured at 870.0 ms lands in the second half of the second: ...';
  s.update('timekeeper', { nmeaOffset: { valueS: 0, spreadS: null, samples: 0, source: 'initial', reference: 'pps', updatedAt: null, refused: why } });
  t.equal(fired(s)['nmea-calibration-refused'], `major: ${why}`);
  s.update('timekeeper', { nmeaOffset: { valueS: 0.12, spreadS: 0.001, samples: 40, source: 'calibrated', reference: 'pps', updatedAt: T0, refused: null } });
  t.equal(fired(s)['nmea-calibration-refused'], undefined);
});

t.test('ntp-shm-world-writable: a segment ntpd made 0666 before us', async (t) => {
  const s = store();
  const feed = s.snapshot.timekeeper.feed;
  s.update('timekeeper', { feed: { ...feed, shm: { layout: 'lp64', layoutReason: 'x', mode: '0666', worldWritable: true, barrier: 'membarrier' } } });
  t.match(fired(s)['ntp-shm-world-writable'], /^minor: NTP SHM segment is writable by every local user \(mode 0666/);
  s.update('timekeeper', { feed: { ...feed, shm: { layout: 'lp64', layoutReason: 'x', mode: '0600', worldWritable: false, barrier: 'membarrier' } } });
  t.equal(fired(s)['ntp-shm-world-writable'], undefined);
});
