import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import t from 'tap';
import { rtcSchema, type RtcConfig } from '../../../../src/config/sections/rtc.js';
import { ManualClock } from '../../../../src/drivers/clock.js';
import type { ClockSyncProbe, SystemClockSetter } from '../../../../src/drivers/native/rtc-system-clock.js';
import { Ds3231 } from '../../../../src/drivers/rtc/ds3231.js';
import { Ds3231RegisterModel } from '../../../../src/drivers/rtc/models/ds3231-register-model.js';
import { ApplianceStore, initialState } from '../../../../src/daemon/core/appliance-state.js';
import { createLogger } from '../../../../src/daemon/logger.js';
import { RtcService } from '../../../../src/daemon/rtc/rtc-service.js';
import type { RtcStateExtension } from '../../../../src/daemon/rtc/rtc-status.js';

type Test = { teardown(fn: () => void): void };
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A fake setter: records, never touches the machine's clock. */
class FakeSetter implements SystemClockSetter {
  calls: number[] = [];
  fail: Error | null = null;
  async setTime(ms: number): Promise<void> {
    if (this.fail) throw this.fail;
    this.calls.push(ms);
  }
}

function setup(t: Test, o: { unsynced?: boolean; config?: Partial<RtcConfig>; driftPpm?: number; rtcOffsetMs?: number; powerOnReset?: boolean; dir?: string } = {}) {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'rtc-svc-'));
  if (!o.dir) t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const clock = new ManualClock(Date.UTC(2025, 5, 1, 12, 0, 0, 300));
  const model = new Ds3231RegisterModel({ clock, timeMs: clock.now() + (o.rtcOffsetMs ?? 0), driftPpm: o.driftPpm ?? 0, powerOnReset: o.powerOnReset ?? false });
  const store = new ApplianceStore(initialState({ version: 't', pid: 1, startedAt: 0, mode: 'hardware', configSource: 't', gnssDevice: 'x', timeValidAfter: 3, ppsSource: null, rtcModel: 'ds3231', timekeeper: 'chrony' }));
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', format: 'json', stream: new Writable({ write(c, _e, cb) { lines.push(String(c)); cb(); } }) });
  const setter = new FakeSetter();
  const probe: ClockSyncProbe = { unsynchronised: () => o.unsynced ?? false };
  // Setting the system clock is off by default (the unit has no CAP_SYS_TIME); these tests turn it on
  // and hand the service a fake setter, so nothing here can touch the machine's clock.
  const config = { ...rtcSchema.parse({}), setSystemClockAtStart: true, ...o.config };
  const driftFile = join(dir, 'rtc-drift.json');
  const svc = new RtcService({ device: new Ds3231(model), store, log, clock, config, systemClock: setter, syncProbe: probe, driftFile });
  const rtc = () => store.snapshot.rtc as typeof store.snapshot.rtc & RtcStateExtension;
  const gnssValid = (v: boolean) => store.update('gnss', { trust: { timeValid: v, validStreak: v ? 3 : 0, needed: 3 } });
  /**
   * Runs `ms` of clock: 1 s steps while the service only has its two cadence timers armed,
   * 1 ms steps while it sleeps inside a rollover watch or before a write (a third timer).
   */
  const run = async (ms: number) => {
    const end = clock.now() + ms;
    while (clock.now() < end) {
      clock.advance(Math.min(clock.pendingTimers > 2 ? 1 : 1000, end - clock.now()));
      await flush();
    }
  };
  return { svc, model, store, lines, setter, clock, rtc, gnssValid, run, driftFile, dir, config };
}

t.test('unsynchronised system clock + valid RTC: the fake setter is called once with the RTC time', async (t) => {
  const s = setup(t, { unsynced: true, rtcOffsetMs: -7000 });
  await s.svc.start();
  t.same(s.setter.calls, [Date.UTC(2025, 5, 1, 11, 59, 53, 500)], 'RTC second + 0.5 s');
  t.same(s.rtc().boot, { unsynchronised: true, rtcTimeMs: Date.UTC(2025, 5, 1, 11, 59, 53), systemClockSet: true, error: null });
  await s.svc.stop();
});

t.test('the setter is not called when synced, when the RTC is invalid, or when disabled; EPERM is reported', async (t) => {
  for (const [name, o] of [
    ['synchronised', { unsynced: false }],
    ['RTC invalid (OSF)', { unsynced: true, powerOnReset: true }],
    ['disabled', { unsynced: true, config: { setSystemClockAtStart: false } }],
    ['the shipped default', { unsynced: true, config: { setSystemClockAtStart: rtcSchema.parse({}).setSystemClockAtStart } }],
  ] as const) {
    const s = setup(t, o);
    await s.svc.start();
    t.same(s.setter.calls, [], name);
    await s.svc.stop();
  }
  const s = setup(t, { unsynced: true });
  s.setter.fail = Object.assign(new Error('clock_settime: EPERM'), { code: 'EPERM' });
  await s.svc.start();
  t.equal(s.rtc().boot?.systemClockSet, false);
  t.match(s.rtc().boot?.error, /EPERM/);
  await s.svc.stop();
});

t.test('an invalid RTC is written from GNSS time once GNSS is valid, at a second boundary', async (t) => {
  const s = setup(t, { powerOnReset: true, config: { writeOnShutdown: false } });
  await s.svc.start();
  t.equal(s.rtc().oscillatorStopped, true);
  await s.run(120_000);
  t.equal(s.rtc().lastWrite, null, 'no write without a reference');
  s.gnssValid(true);
  await s.run(120_000);
  t.equal(s.rtc().lastWrite?.reason, 'rtc invalid');
  t.equal(s.rtc().lastWrite!.at % 1000, 0);
  const drift = s.model.timeMs - Math.floor(s.clock.now() / 1000) * 1000;
  t.equal(drift, 0, 'the RTC now reads the reference second');
  await s.svc.stop();
});

t.test('drift of a +2 ppm DS3231 measured over 6 h at rollovers, persisted, and restored', async (t) => {
  const s = setup(t, { driftPpm: 2, config: { drift: { measureIntervalS: 600, minBaselineH: 2, maxPoints: 1000 }, writeIntervalH: 0, writeOnShutdown: false } });
  s.gnssValid(true);
  await s.svc.start();
  await s.run(6 * 3600_000);
  const d = s.rtc().drift!;
  t.ok(d, 'a drift is reported');
  t.equal(d.source, 'measured');
  t.ok(Math.abs(d.ppm - 2) < 0.1, `${d.ppm.toFixed(3)} ± ${d.stdErrPpm.toFixed(3)} ppm`);
  t.ok(d.points >= 30, `${d.points} points`);
  await s.svc.stop();
  t.ok(existsSync(s.driftFile));
  const saved = JSON.parse(readFileSync(s.driftFile, 'utf8'));
  t.equal(saved.model, 'ds3231');
  t.ok(saved.points.length >= d.points, 'every measurement is kept in the file');
  t.ok(Math.abs(saved.estimate.ppm - d.ppm) < 0.01);
  const again = setup(t, { dir: s.dir });
  await again.svc.start();
  t.equal(again.rtc().drift?.source, 'persisted');
  t.equal(again.rtc().drift!.ppm, saved.estimate.ppm);
  await again.svc.stop();
});

t.test('aging trim: bounded step, logged, measurement restarts; at most once per interval', async (t) => {
  const s = setup(t, {
    driftPpm: 2,
    config: { drift: { measureIntervalS: 600, minBaselineH: 2, maxPoints: 1000 }, writeIntervalH: 0, writeOnShutdown: false, trim: { enabled: true, maxStep: 3, minIntervalH: 24, maxStdErrPpm: 0.2 } },
  });
  s.gnssValid(true);
  await s.svc.start();
  t.equal(s.rtc().trim?.value, 0);
  await s.run(4 * 3600_000);
  t.equal(await new Ds3231(s.model).readAgingOffset(), 3, 'raised by maxStep, not the 20 that +2 ppm would take');
  t.equal(s.rtc().trim?.value, 3);
  t.ok(s.lines.some((l) => l.includes('RTC frequency trim adjusted') && l.includes('"from":0') && l.includes('"to":3')));
  await s.run(6 * 3600_000);
  t.equal(await new Ds3231(s.model).readAgingOffset(), 3, 'no second step within minIntervalH');
  t.ok(Math.abs(s.rtc().drift!.ppm - 1.7) < 0.1, `after the trim: ${s.rtc().drift!.ppm.toFixed(3)} ppm`);
  await s.svc.stop();
});

t.test('clean shutdown writes the RTC from GNSS time; a failing chip is reported, not thrown', async (t) => {
  const s = setup(t, { rtcOffsetMs: 400_000, config: { writeIntervalH: 0 } });
  await s.svc.start();
  s.gnssValid(true);
  const stopping = s.svc.stop();
  for (let i = 0; i < 120; i++) {
    s.clock.advance(10);
    await flush();
  }
  await stopping;
  t.equal(s.rtc().lastWrite?.reason, 'shutdown');
  t.equal(s.model.timeMs, Math.floor(s.clock.now() / 1000) * 1000);
  const f = setup(t, {});
  await f.svc.start();
  f.model.failWith(new Error('EREMOTEIO'));
  await f.svc.readOnce();
  t.equal(f.rtc().readable, false);
  t.equal(f.rtc().lastError, 'EREMOTEIO');
  f.model.failWith(null);
  await f.svc.readOnce();
  t.equal(f.rtc().readable, true);
  await f.svc.stop();
});
