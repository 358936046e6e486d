import t, { type Test } from 'tap';
import { telemetryBodySchema, eventBodySchema, type Aggregate } from '../../../../src/fleet-wire/schema.js';
import { DeviceModel, type ModelOptions } from '../../../../src/collector/simulate/device-model.js';
import { deviceSeed, SeededRandom } from '../../../../src/collector/simulate/seeded-random.js';

const T0 = Date.UTC(2025, 5, 1, 0, 0, 0);
const opts = (o: Partial<ModelOptions> = {}): ModelOptions => ({ intervalS: 10, speedup: 1, meanFaultGapS: Infinity, startModelS: T0 / 1000, ...o });

/** Runs `n` steps `intervalS / speedup` apart in real time, from T0. */
function run(m: DeviceModel, n: number, o: ModelOptions) {
  const out = [];
  for (let i = 1; i <= n; i++) out.push(m.step(T0 + (i * o.intervalS * 1000) / o.speedup));
  return out;
}

function checkAggregate(t: Test, a: Aggregate | null, what: string) {
  if (a === null) return;
  t.ok(a.min <= a.mean + 1e-15 && a.mean <= a.max + 1e-15, `${what}: min ≤ mean ≤ max`);
  t.ok(a.rms + 1e-15 >= Math.abs(a.mean), `${what}: rms ≥ |mean|`);
}

t.test('the seeded generator gives mulberry32 values and a normal distribution', async (t) => {
  const r = new SeededRandom(1);
  t.equal(r.next(), 0.6270739405881613, 'mulberry32(1), first value');
  t.equal(r.next(), 0.002735721180215478, 'second value');
  const g = new SeededRandom(7);
  let sum = 0;
  let sq = 0;
  const n = 20_000;
  for (let i = 0; i < n; i++) {
    const x = g.gauss();
    sum += x;
    sq += x * x;
  }
  t.ok(Math.abs(sum / n) < 0.05, `mean ${sum / n} near 0`);
  t.ok(Math.abs(Math.sqrt(sq / n) - 1) < 0.05, `sd ${Math.sqrt(sq / n)} near 1`);
  t.not(deviceSeed(1, 0), deviceSeed(1, 1), 'devices get different seeds');
  t.equal(deviceSeed(1, 5), deviceSeed(1, 5), 'and the same seed every run');
});

t.test('the same seed gives the same appliance; records are valid on the wire', async (t) => {
  const o = opts();
  const a = run(new DeviceModel(42, o), 200, o);
  const b = run(new DeviceModel(42, o), 200, o);
  t.same(a, b, 'deterministic');
  const c = run(new DeviceModel(43, o), 5, o);
  t.not(c[4]!.telemetry.offsetS!.mean, a[4]!.telemetry.offsetS!.mean, 'another seed, another appliance');
  t.equal(a[0]!.events.length, 1, 'the first record comes with daemon-start');
  t.equal(a[0]!.events[0]!.body.type, 'daemon-start');
  for (const s of a) {
    t.ok(telemetryBodySchema.safeParse(s.telemetry).success, 'telemetry passes the wire schema');
    for (const e of s.events) t.ok(eventBodySchema.safeParse(e.body).success, 'event passes the wire schema');
  }
  const s = a[10]!.telemetry;
  t.equal(s.intervalS, 10);
  t.equal(s.offsetS!.count, 10, 'one sample a second');
  t.equal(s.toMs - s.fromMs, 10_000);
  t.equal(a[10]!.at, T0 + 11 * 10_000, 'at is the appliance clock at the end of the interval');
  for (const k of ['offsetS', 'frequencyPpm', 'skewPpm', 'rootDispersionS', 'ppsOffsetS', 'ppsJitterS'] as const) checkAggregate(t, s[k], k);
  checkAggregate(t, s.gnss.satellitesUsed, 'satellites');
  checkAggregate(t, s.gnss.cnoDbHz, 'C/N0');
  t.equal(s.gnss.mode, 3);
  t.equal(s.holdover.state, 'locked');
  t.equal(s.holdover.estimateS, null, 'no estimate when locked: null, never 0');
  t.equal(s.selectedSource, 'PPS');
});

t.test('appliances differ: noise levels over decades, satellites and C/N0 per site', async (t) => {
  const o = opts();
  const models = Array.from({ length: 300 }, (_, i) => new DeviceModel(deviceSeed(1, i), o));
  const noise = models.map((m) => m.profile.offsetNoiseS);
  t.ok(Math.max(...noise) / Math.min(...noise) > 10, 'offset noise spans more than a decade');
  t.ok(Math.min(...noise) >= 1e-7 && Math.max(...noise) <= 5e-6, 'within 100 ns … 5 µs');
  t.ok(new Set(models.map((m) => m.profile.satBase)).size >= 6, 'sky views differ');
  const rms = models.slice(0, 20).map((m) => m.step(T0 + 10_000).telemetry.offsetS!.rms);
  t.ok(Math.max(...rms) / Math.min(...rms) > 3, 'and it shows in the recorded RMS');
});

t.test('satellites and C/N0 follow a daily cycle; frequency walks', async (t) => {
  const o = opts({ intervalS: 600 });
  const m = new DeviceModel(9, o);
  const day = run(m, 144, o);
  const sats = day.map((s) => s.telemetry.gnss.satellitesUsed!.mean);
  const cno = day.map((s) => s.telemetry.gnss.cnoDbHz!.mean);
  t.ok(Math.max(...sats) - Math.min(...sats) >= 4, `satellites vary over the day (${Math.min(...sats)} … ${Math.max(...sats)})`);
  t.ok(Math.max(...cno) - Math.min(...cno) >= 2, 'C/N0 varies over the day');
  t.ok(sats.every((n) => n >= 4 && n <= 24), 'satellites in use stay plausible');
  const freq = day.map((s) => s.telemetry.frequencyPpm!.mean);
  t.ok(Math.max(...freq) - Math.min(...freq) > 0.01, 'frequency moves');
  t.ok(Math.max(...freq) - Math.min(...freq) < 10, 'but stays near its base');
  t.equal(day[5]!.telemetry.offsetS!.count, 60, 'samples capped at 60 per aggregate');
});

t.test('receiver lost: events, holdover with a growing estimate, GNSS fields null, then recovery', async (t) => {
  const o = opts();
  const m = new DeviceModel(3, o);
  run(m, 3, o);
  const ev = m.inject('receiver-lost', 60, T0 + 35_000);
  t.same(ev.map((e) => e.body.type), ['receiver-lost', 'alarm-raised']);
  t.equal(ev[1]!.body.alarm, 'gnss-receiver-missing');
  t.equal(ev[1]!.body.severity, 'major');
  const a = m.step(T0 + 40_000);
  const b = m.step(T0 + 50_000);
  for (const s of [a, b]) {
    t.equal(s.telemetry.gnss.mode, null);
    t.equal(s.telemetry.gnss.satellitesUsed, null, 'no satellites: null, never 0');
    t.equal(s.telemetry.ppsOffsetS, null);
    t.equal(s.telemetry.selectedSource, null);
    t.equal(s.telemetry.holdover.state, 'holdover');
  }
  t.ok(b.telemetry.holdover.estimateS! > a.telemetry.holdover.estimateS!, 'the holdover estimate grows');
  const after = run(m, 10, o).slice(3);
  const types = after.flatMap((s) => s.events.map((e) => e.body.type));
  t.same(types, ['receiver-found', 'alarm-cleared'], 'found again after the fault, alarm cleared');
  t.equal(after.at(-1)!.telemetry.holdover.state, 'locked');
  t.equal(after.at(-1)!.telemetry.gnss.mode, 3);
});

t.test('a clock jump puts the appliance clock an hour back; the offset says so', async (t) => {
  const o = opts();
  const m = new DeviceModel(4, o);
  run(m, 2, o);
  const ev = m.inject('clock-jump', 30, T0 + 25_000);
  t.equal(ev[0]!.body.alarm, 'clock-step');
  t.equal(ev[0]!.at, T0 + 25_000 - 3_600_000, 'the event carries the wrong clock');
  const s = m.step(T0 + 30_000);
  t.equal(s.at, T0 + 30_000 - 3_600_000);
  t.ok(Math.abs(s.telemetry.offsetS!.mean + 3600) < 1e-3, 'offset −3600 s');
  const later = run(m, 10, o).at(-1)!;
  t.equal(later.at, T0 + 100_000, 'corrected afterwards');
});

t.test('a silent period is flagged; PPS lost keeps the receiver', async (t) => {
  const o = opts();
  const m = new DeviceModel(5, o);
  run(m, 1, o);
  m.inject('silent', 20, T0 + 10_000);
  t.equal(m.step(T0 + 20_000).silent, true);
  m.inject('pps-lost', 20, T0 + 20_000);
  const s = m.step(T0 + 30_000);
  t.equal(s.silent, false);
  t.equal(s.telemetry.ppsJitterS, null);
  t.equal(s.telemetry.gnss.mode, 3, 'the receiver still has a fix');
  t.equal(s.telemetry.holdover.state, 'holdover');
});

t.test('faults happen by themselves at the configured rate, every kind', async (t) => {
  const o = opts({ intervalS: 60, meanFaultGapS: 3600 });
  const m = new DeviceModel(11, o);
  const kinds = new Map<string, number>();
  let prev: string | null = null;
  for (let i = 1; i <= 5000; i++) {
    m.step(T0 + i * 60_000);
    const f = m.fault;
    if (f && f !== prev) kinds.set(f, (kinds.get(f) ?? 0) + 1);
    prev = f;
  }
  for (const k of ['receiver-lost', 'pps-lost', 'clock-jump', 'silent']) t.ok((kinds.get(k) ?? 0) >= 2, `${k} seen ${kinds.get(k) ?? 0} times`);
  const none = new DeviceModel(11, opts({ intervalS: 60 }));
  let events = 0;
  for (let i = 1; i <= 5000; i++) events += none.step(T0 + i * 60_000).events.length;
  t.equal(events, 1, 'no faults when disabled: only daemon-start');
});

t.test('speedup: records cover the real interval; the day passes K times faster', async (t) => {
  const o = opts({ intervalS: 10, speedup: 10 });
  const m = new DeviceModel(12, o);
  const s = run(m, 3, o);
  t.equal(s[2]!.telemetry.intervalS, 1);
  t.equal(s[2]!.telemetry.offsetS!.count, 1);
  t.equal(s[2]!.at - s[1]!.at, 1000, 'a record a real second');
});
