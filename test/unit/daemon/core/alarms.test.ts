import t from 'tap';
import { ApplianceStore, initialState, type ApplianceState } from '../../../../src/daemon/core/appliance-state.js';
import type { AlarmInputs, AlarmPolicy, AlarmRule } from '../../../../src/daemon/core/alarm-types.js';
import { evaluateAlarms, initialAlarmMemory, type AlarmMemory } from '../../../../src/daemon/core/alarms.js';

const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);
const policy: AlarmPolicy = { raiseAfterMs: 10_000, clearAfterMs: 30_000, historySize: 3 };

function inputs(now: number, extra: Partial<AlarmInputs> = {}): AlarmInputs {
  return {
    now,
    offsetLimitS: 0.001,
    ppsStaleMs: 3000,
    leapFileWarnMs: 30 * 86_400_000,
    leapFileExpiresAt: null,
    configChangedAt: null,
    configChangedHoldMs: 3600_000,
    ...extra,
  };
}

/** A state with nothing wrong: GNSS valid, PPS fresh at T0, no RTC problem, no timekeeper. */
function healthy(): ApplianceStore {
  const s = new ApplianceStore(
    initialState({ version: 't', pid: 1, startedAt: T0, mode: 'simulate', configSource: 'x', gnssDevice: '/dev/ttyAMA0', timeValidAfter: 3, ppsSource: 'pps0', rtcModel: 'ds3231' }),
  );
  s.update('gnss', { link: 'open', trust: { timeValid: true, validStreak: 3, needed: 3 }, antenna: 'ok' });
  s.update('pps', { link: 'open', lastEdge: { sec: T0 / 1000, nsec: 0, seq: 1 }, pulses: 1 });
  s.update('rtc', { readable: true, oscillatorStopped: false, batteryLow: false });
  return s;
}

/** One rule that holds while `on` says so: isolates the debounce logic from the rule set. */
function flagRule(on: () => boolean, message = 'flag'): AlarmRule {
  return { id: 'flag', debounce: 'normal', check: () => (on() ? { severity: 'minor', message } : null) };
}

t.test('a healthy appliance has no alarms', async (t) => {
  const r = evaluateAlarms(healthy().snapshot, inputs(T0), initialAlarmMemory(), { ...policy, raiseAfterMs: 0 });
  t.same(r.memory.view.active, []);
  t.same(r.changes, []);
});

t.test('a condition is raised only after it has held for raiseAfterMs, with since = first seen', async (t) => {
  let on = true;
  const rules = [flagRule(() => on)];
  const s = healthy().snapshot;
  let m: AlarmMemory = initialAlarmMemory();
  m = evaluateAlarms(s, inputs(T0), m, policy, rules).memory;
  t.same(m.view.active, [], 'pending, not raised');
  m = evaluateAlarms(s, inputs(T0 + 9_999), m, policy, rules).memory;
  t.same(m.view.active, []);
  const r = evaluateAlarms(s, inputs(T0 + 10_000), m, policy, rules);
  t.equal(r.changes[0]?.kind, 'raised');
  t.same(r.memory.view.active, [{ id: 'flag', severity: 'minor', since: T0, message: 'flag' }]);
  t.equal(r.memory.view.raised, 1);

  // A blip shorter than raiseAfterMs never becomes an alarm.
  on = false;
  let b: AlarmMemory = initialAlarmMemory();
  on = true;
  b = evaluateAlarms(s, inputs(T0), b, policy, rules).memory;
  on = false;
  b = evaluateAlarms(s, inputs(T0 + 5000), b, policy, rules).memory;
  on = true;
  b = evaluateAlarms(s, inputs(T0 + 12_000), b, policy, rules).memory;
  t.same(b.view.active, [], 'the pending timer restarted after the blip');
  t.equal(b.pending.flag, T0 + 12_000);
});

t.test('a flapping condition stays one alarm; it clears after clearAfterMs quiet, clearedAt = when it went away', async (t) => {
  let on = true;
  const rules = [flagRule(() => on)];
  const s = healthy().snapshot;
  let m = evaluateAlarms(s, inputs(T0), initialAlarmMemory(), { ...policy, raiseAfterMs: 0 }, rules).memory;
  t.equal(m.view.active.length, 1);
  for (let k = 1; k <= 10; k++) {
    on = k % 2 === 0; // flaps every 5 s for 50 s
    const r = evaluateAlarms(s, inputs(T0 + k * 5000), m, policy, rules);
    t.same(r.changes, [], `no raise/clear at flap ${k}`);
    m = r.memory;
  }
  on = false;
  m = evaluateAlarms(s, inputs(T0 + 60_000), m, policy, rules).memory;
  m = evaluateAlarms(s, inputs(T0 + 89_999), m, policy, rules).memory;
  t.equal(m.view.active.length, 1, 'still active 29.999 s after it went away');
  const r = evaluateAlarms(s, inputs(T0 + 90_000), m, policy, rules);
  t.equal(r.changes[0]?.kind, 'cleared');
  t.same(r.memory.view.active, []);
  t.same(r.memory.view.history, [{ id: 'flag', severity: 'minor', since: T0, message: 'flag', clearedAt: T0 + 60_000 }]);
  t.equal(r.memory.view.cleared, 1);
});

t.test('history is newest first and bounded', async (t) => {
  let on = false;
  const rules = [flagRule(() => on)];
  const s = healthy().snapshot;
  const p = { ...policy, raiseAfterMs: 0, clearAfterMs: 0 };
  let m = initialAlarmMemory();
  for (let k = 0; k < 5; k++) {
    on = true;
    m = evaluateAlarms(s, inputs(T0 + k * 1000), m, p, rules).memory;
    on = false;
    m = evaluateAlarms(s, inputs(T0 + k * 1000 + 500), m, p, rules).memory;
  }
  t.equal(m.view.history.length, 3);
  t.same(m.view.history.map((h) => h.clearedAt), [T0 + 4500, T0 + 3500, T0 + 2500]);
  t.equal(m.view.raised, 5);
  t.equal(m.view.cleared, 5);
});

t.test('an active alarm follows its message and severity; active alarms are sorted by severity', async (t) => {
  const store = healthy();
  const p = { ...policy, raiseAfterMs: 0 };
  store.update('rtc', { batteryLow: true });
  store.update('gnss', { antenna: 'open' });
  let r = evaluateAlarms(store.snapshot, inputs(T0), initialAlarmMemory(), p);
  t.same(r.memory.view.active.map((a) => [a.id, a.severity]), [['antenna-fault', 'major'], ['rtc-battery-low', 'minor']]);
  store.update('gnss', { antenna: 'short' });
  r = evaluateAlarms(store.snapshot, inputs(T0 + 1000), r.memory, p);
  t.equal(r.changes[0]?.kind, 'updated');
  const antenna = r.memory.view.active.find((a) => a.id === 'antenna-fault');
  t.match(antenna?.message, /short circuit/);
  t.equal(antenna?.since, T0, 'since is kept across updates');
});

t.test('an alarm whose rule disappears from the rule set clears at once', async (t) => {
  const s = healthy().snapshot;
  const m = evaluateAlarms(s, inputs(T0), initialAlarmMemory(), { ...policy, raiseAfterMs: 0 }, [flagRule(() => true)]).memory;
  const r = evaluateAlarms(s, inputs(T0 + 1), m, policy, []);
  t.same(r.memory.view.active, []);
  t.equal(r.memory.view.history[0]?.clearedAt, T0 + 1);
});

t.test('the state snapshot carries an empty alarms section from the start', async (t) => {
  const st: ApplianceState = healthy().snapshot;
  t.same(st.alarms, { active: [], history: [], raised: 0, cleared: 0 });
});
