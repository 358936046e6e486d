import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import t from 'tap';
import { ManualClock } from '../../../../../src/drivers/clock.js';
import { seededRandom } from '../../../../../src/lib/seeded-random.js';
import { ApplianceStore, initialState } from '../../../../../src/daemon/core/appliance-state.js';
import type { Fix } from '../../../../../src/daemon/core/fix.js';
import { unixMsToUtc } from '../../../../../src/daemon/core/utc-time.js';
import { createLogger } from '../../../../../src/daemon/logger.js';
import { NmeaCalibrationService, type NmeaCalibrationOptions } from '../../../../../src/daemon/timekeeper/calibration/nmea-calibration-service.js';

type Test = { teardown(fn: () => void): void };

function logCapture() {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
  return { log: createLogger({ level: 'debug', format: 'json', stream }), lines };
}

function fixAt(labelMs: number, receivedAt: number): Fix {
  return {
    time: unixMsToUtc(labelMs), mode: 3, status: 1, leapSeconds: null, lat: 1, lon: 2, altHAE: null, altMSL: null,
    geoidSep: null, speed: null, track: null, magvar: null, climb: null, eph: null, epv: null, receivedAt, sentences: ['RMC'],
  };
}

function setup(t: Test, over: Partial<NmeaCalibrationOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'nmea-cal-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const clock = new ManualClock(Date.UTC(2025, 5, 1, 12, 0, 0));
  const store = new ApplianceStore(initialState({ version: 't', pid: 1, startedAt: 0, mode: 'simulate', configSource: 't', gnssDevice: 'sim', timeValidAfter: 3, ppsSource: null, rtcModel: null, timekeeper: 'chrony' }));
  const { log, lines } = logCapture();
  const file = join(dir, 'nmea-offset.json');
  const o: NmeaCalibrationOptions = { store, log, clock, stateFile: file, initialS: 0, windowSize: 128, minSamples: 32, ...over };
  return { svc: new NmeaCalibrationService(o), store, clock, lines, file, dir, o };
}

/** One second of a receiver whose label arrives delayS after the edge; the system clock is `clockErrorMs` off. */
function second(svc: NmeaCalibrationService, clock: ManualClock, delayS: number, clockErrorMs = 0, withEdge = true): void {
  const trueTop = Math.ceil(clock.now() / 1000) * 1000 + 1000;
  clock.advanceTo(trueTop);
  const sysTop = trueTop + clockErrorMs;
  if (withEdge) svc.onPpsEdge({ sec: Math.floor(sysTop / 1000), nsec: (sysTop % 1000) * 1e6, seq: trueTop / 1000 });
  svc.onFix(fixAt(trueTop, Math.round(sysTop + delayS * 1000)), { timeValid: true });
}

t.test('PPS reference: 137 ms ± jitter with outliers → within 1 ms, published and persisted', async (t) => {
  const { svc, store, clock, file } = setup(t);
  await svc.start();
  t.equal(store.snapshot.timekeeper.nmeaOffset?.source, 'initial');
  t.equal(svc.delayS, 0);
  const rnd = seededRandom(3);
  for (let i = 0; i < 31; i++) second(svc, clock, 0.137 + (rnd() * 2 - 1) * 0.004, 250);
  t.equal(svc.estimate.source, 'initial', 'not used before minSamples');
  for (let i = 0; i < 120; i++) second(svc, clock, 0.137 + (rnd() * 2 - 1) * 0.004 + (rnd() < 0.1 ? 0.3 : 0), 250);
  const e = store.snapshot.timekeeper.nmeaOffset!;
  t.equal(e.source, 'calibrated');
  t.equal(e.reference, 'pps');
  t.ok(Math.abs(e.valueS - 0.137) < 0.001, `estimate ${e.valueS} (system clock 250 ms off: PPS pairing cancels it)`);
  t.ok(e.spreadS !== null && e.spreadS < 0.004, `spread ${e.spreadS}`);
  t.equal(svc.delayS, e.valueS);
  await svc.stop();
  const saved = JSON.parse(readFileSync(file, 'utf8'));
  t.equal(saved.reference, 'pps');
  t.ok(Math.abs(saved.valueS - 0.137) < 0.002, 'the first calibrated value was persisted');
});

t.test('persistence round trip: a restart starts from the persisted value', async (t) => {
  const { svc, clock, o } = setup(t, { minSamples: 8, windowSize: 16 });
  await svc.start();
  for (let i = 0; i < 10; i++) second(svc, clock, 0.2);
  const got = await svc.calibrateNow();
  t.equal(got?.valueS, 0.2);
  const again = new NmeaCalibrationService(o);
  await again.start();
  t.equal(again.estimate.source, 'persisted');
  t.equal(again.delayS, 0.2);
  t.equal(o.store.snapshot.timekeeper.nmeaOffset?.source, 'persisted');
  await again.reset();
  t.equal(again.delayS, 0, 'reset: back to the configured initial value');
  t.notOk(existsSync(o.stateFile!), 'and the persisted file is gone');
});

t.test('a corrupt state file is ignored with a warning', async (t) => {
  const { svc, file, lines } = setup(t, { initialS: 0.1 });
  writeFileSync(file, '{"version":1,"valueS":"soon"');
  await svc.start();
  t.equal(svc.delayS, 0.1);
  t.equal(svc.estimate.source, 'initial');
  t.ok(lines.some((l) => l.includes('"level":"warn"') && l.includes('calibration file ignored')), 'warned');
  writeFileSync(file, JSON.stringify({ version: 1, valueS: 7, spreadS: 0, samples: 3, reference: 'pps', updatedAt: 1 }));
  const again = new NmeaCalibrationService(setup(t, { stateFile: file, initialS: 0.1 }).o);
  await again.start();
  t.equal(again.delayS, 0.1, 'a delay outside [-1, 1] s is refused too');
});

t.test('without PPS: only against a trusted system clock', async (t) => {
  let trusted = false;
  const { svc, clock } = setup(t, { minSamples: 8, windowSize: 16, systemClockTrusted: () => trusted, stateFile: null });
  await svc.start();
  for (let i = 0; i < 20; i++) second(svc, clock, 0.09, 0, false);
  t.equal(svc.estimate.source, 'initial', 'an untrusted clock gives no samples');
  trusted = true;
  for (let i = 0; i < 20; i++) second(svc, clock, 0.09, 0, false);
  t.equal(svc.estimate.reference, 'system-clock');
  t.ok(Math.abs(svc.delayS - 0.09) < 0.001, `${svc.delayS}`);
  t.equal(await svc.calibrateNow().then((e) => e?.valueS), svc.delayS, 'calibrateNow without a state file still answers');
});

t.test('epochs that are not time-valid, or not on a whole second with PPS, are not samples', async (t) => {
  const { svc, clock } = setup(t, { minSamples: 4, windowSize: 8, stateFile: null });
  await svc.start();
  for (let i = 0; i < 10; i++) {
    clock.advance(1000);
    const top = Math.floor(clock.now() / 1000) * 1000;
    svc.onPpsEdge({ sec: top / 1000, nsec: 0, seq: i });
    svc.onFix(fixAt(top, top + 100), { timeValid: false });
    svc.onFix(fixAt(top + 500, top + 600), { timeValid: true });
  }
  t.equal(svc.estimate.source, 'initial');
});

t.test('a label in the second half of the second with nothing to settle it: not calibrated on, not sent, and said why', async (t) => {
  let trusted = false;
  const { svc, store, clock, lines } = setup(t, { minSamples: 8, systemClockTrusted: () => trusted });
  await svc.start();
  t.equal(svc.wholeSecondKnown, true, 'nothing ambiguous before the first label');
  const rnd = seededRandom(9);
  for (let i = 0; i < 64; i++) second(svc, clock, -0.15 + (rnd() * 2 - 1) * 0.003, 40);
  const e = store.snapshot.timekeeper.nmeaOffset!;
  t.equal(e.source, 'initial', 'no calibration from ambiguous labels');
  t.equal(svc.estimate.samples, 0);
  t.equal(svc.wholeSecondKnown, false, 'the feeds withhold the samples');
  t.match(e.refused, /arrive 85\d ms after the PPS edge.*labelNames.*NTP server/);
  t.equal(lines.filter((l) => l.includes('NMEA label convention ambiguous')).length, 1, 'warned once, not every second');

  // chronyd synchronises to another source: the reference settles it, and samples flow again.
  trusted = true;
  for (let i = 0; i < 10; i++) second(svc, clock, -0.15, 20);
  t.equal(svc.wholeSecondKnown, true);
  t.equal(store.snapshot.timekeeper.nmeaOffset!.refused, null);
  t.equal(svc.estimate.wholeSecond, 'reference');
  t.ok(Math.abs(svc.delayS + 0.15) < 0.002, `calibrated ${svc.delayS} s`);
  t.ok(lines.some((l) => l.includes('NMEA label convention settled')));
});

t.test('what a reference taught is kept across a restart: a next-pulse receiver is not ambiguous after a reboot offline', async (t) => {
  let trusted = true;
  const { svc, clock, file, o } = setup(t, { minSamples: 8, systemClockTrusted: () => trusted });
  await svc.start();
  for (let i = 0; i < 12; i++) second(svc, clock, -0.15, 20);
  t.equal(svc.estimate.wholeSecond, 'reference');
  await svc.calibrateNow();
  t.equal(JSON.parse(readFileSync(file, 'utf8')).learned, 'next-pulse', 'kept in the state file');

  trusted = false; // rebooted with no network: nothing to check the whole second against
  const again = new NmeaCalibrationService(o);
  await again.start();
  for (let i = 0; i < 12; i++) second(again, clock, -0.15, 20);
  t.equal(again.wholeSecondKnown, true, 'not ambiguous');
  t.equal(again.estimate.wholeSecond, 'learned');
  t.ok(Math.abs(again.delayS + 0.15) < 0.002, `calibrated ${again.delayS} s`);

  writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), learned: 'both' }));
  const { lines, log } = logCapture();
  const third = new NmeaCalibrationService({ ...o, log });
  await third.start();
  t.equal(third.estimate.source, 'initial', 'a file with an unknown convention is not trusted at all');
  t.ok(lines.some((l) => l.includes('unknown label convention')));
});

t.test('labels hovering around half a second: the ambiguity ends only after 10 clear epochs in a row', async (t) => {
  const { svc, store, clock } = setup(t, { minSamples: 4 });
  await svc.start();
  second(svc, clock, 0.52, 0);
  t.equal(svc.wholeSecondKnown, false);
  for (let i = 0; i < 9; i++) second(svc, clock, 0.48, 0);
  t.equal(svc.wholeSecondKnown, false, '9 clear epochs: still withheld');
  t.ok(store.snapshot.timekeeper.nmeaOffset!.refused, 'and still said why');
  second(svc, clock, 0.52, 0);
  for (let i = 0; i < 9; i++) second(svc, clock, 0.48, 0);
  t.equal(svc.wholeSecondKnown, false, 'an ambiguous epoch starts the count again');
  second(svc, clock, 0.48, 0);
  t.equal(svc.wholeSecondKnown, true, 'the 10th clear epoch in a row settles it');
  t.equal(store.snapshot.timekeeper.nmeaOffset!.refused, null);
});

t.test('a receiver configured to send the label before the pulse it names calibrates to a negative delay, not ~0.85 s', async (t) => {
  const { svc, store, clock } = setup(t, { labelNames: 'next-pulse' });
  await svc.start();
  const rnd = seededRandom(9);
  for (let i = 0; i < 64; i++) second(svc, clock, -0.15 + (rnd() * 2 - 1) * 0.003, 40);
  const e = store.snapshot.timekeeper.nmeaOffset!;
  t.equal(e.source, 'calibrated');
  t.ok(Math.abs(e.valueS + 0.15) < 0.002, `delay ${e.valueS} s: the label precedes its pulse by 150 ms`);
  t.equal(e.labelNames, 'next-pulse');
  t.equal(e.wholeSecond, 'configured');
  t.equal(e.refused, null);
  t.equal(svc.wholeSecondKnown, true);
});

t.test('a label configured to name the next pulse that arrives early in the second is refused as late', async (t) => {
  // 0.2 s after one pulse, "naming the next": 0.8 s before it. More likely a misconfiguration.
  const { svc, store, clock } = setup(t, { labelNames: 'next-pulse', minSamples: 8 });
  await svc.start();
  for (let i = 0; i < 16; i++) second(svc, clock, 0.2, 0);
  t.equal(store.snapshot.timekeeper.nmeaOffset!.source, 'initial');
  t.match(store.snapshot.timekeeper.nmeaOffset!.refused, /-800\.0 ms lands in the second half/);
});

t.test('a synchronised reference fixes the whole second; a late label is refused unless allowed', async (t) => {
  // Truly 0.8 s late after its pulse: the phase rule alone would read it as 0.2 s early.
  const { svc, store, clock, lines } = setup(t, { systemClockTrusted: () => true });
  await svc.start();
  for (let i = 0; i < 40; i++) second(svc, clock, 0.8, 0);
  const e = store.snapshot.timekeeper.nmeaOffset!;
  t.equal(e.source, 'initial', 'the delay in use stays the initial one');
  t.equal(svc.delayS, 0);
  t.match(e.refused, /800\.0 ms lands in the second half of the second.*allowLateLabel/);
  t.equal(e.labelNames, 'previous-pulse', 'learned from the reference');
  t.equal(e.wholeSecond, 'reference');
  t.ok(lines.some((l) => l.includes('NMEA calibration refused')));

  const allowed = setup(t, { systemClockTrusted: () => true, allowLateLabel: true });
  await allowed.svc.start();
  for (let i = 0; i < 40; i++) second(allowed.svc, allowed.clock, 0.8, 0);
  t.ok(Math.abs(allowed.svc.delayS - 0.8) < 0.001, 'configured: taken as 0.8 s');
  t.equal(allowed.store.snapshot.timekeeper.nmeaOffset!.refused, null);
});

t.test('the reference overrides the phase rule for an early label, and what it taught stays', async (t) => {
  let trusted = true;
  const { svc, clock } = setup(t, { systemClockTrusted: () => trusted, minSamples: 8 });
  await svc.start();
  // 0.3 s early: the phase (0.7) alone would say the same, but with the clock error in the
  // reference under 0.1 s the reference decides first.
  for (let i = 0; i < 10; i++) second(svc, clock, -0.3, 20);
  t.ok(Math.abs(svc.delayS + 0.3) < 0.001);
  t.equal(svc.estimate.wholeSecond, 'reference');
  trusted = false;
  for (let i = 0; i < 10; i++) second(svc, clock, -0.3, 20);
  t.equal(svc.estimate.wholeSecond, 'learned');
  t.ok(Math.abs(svc.delayS + 0.3) < 0.001);
});

t.test('a persisted delay in the second half of the second (the old previous-pulse pairing) is ignored', async (t) => {
  const { svc, file, lines } = setup(t);
  writeFileSync(file, JSON.stringify({ version: 1, valueS: 0.87, spreadS: 0.001, samples: 64, reference: 'pps', updatedAt: 1 }));
  await svc.start();
  t.equal(svc.estimate.source, 'initial');
  t.ok(lines.some((l) => l.includes('persisted NMEA delay ignored')));
});

t.test('an epoch with a stalled arrival stamp is no measurement', async (t) => {
  const { svc, clock } = setup(t, { minSamples: 4 });
  await svc.start();
  for (let i = 0; i < 6; i++) second(svc, clock, 0.1, 0);
  const before = svc.estimate.samples;
  const trueTop = Math.ceil(clock.now() / 1000) * 1000 + 1000;
  clock.advanceTo(trueTop);
  svc.onPpsEdge({ sec: trueTop / 1000, nsec: 0, seq: trueTop / 1000 });
  svc.onFix(fixAt(trueTop, trueTop + 400), { timeValid: true }, false);
  t.equal(svc.estimate.samples, before);
});
