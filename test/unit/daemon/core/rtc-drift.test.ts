import t from 'tap';
import { seededRandom } from '../../../../src/lib/seeded-random.js';
import { addPoint, edgePoint, estimateDrift, trimStep, type DriftPoint } from '../../../../src/daemon/core/rtc-drift.js';

/** Edge measurements of an RTC at `ppm`, every 10 min, polled every 10 ms, with jitter; written (new offset) at `writes`. */
function synth(ppm: number, hours: number, seed: number, writes: number[] = []): DriftPoint[] {
  const rnd = seededRandom(seed);
  const pts: DriftPoint[] = [];
  let segment = 0;
  let offset0 = 300;
  let t0 = 0;
  for (let t = 0; t <= hours * 3600_000; t += 600_000) {
    if (writes.includes(t)) {
      segment++;
      offset0 = rnd() * 1000 - 500;
      t0 = t;
    }
    const trueOffset = offset0 + ((t - t0) * ppm) / 1e6;
    const before = t + rnd() * 5;
    const p = edgePoint({ refMs: before, rtcMs: 0 }, { refMs: before + 10, rtcMs: 1000 }, segment)!;
    pts.push({ ...p, atMs: t, offsetMs: trueOffset + (rnd() * 2 - 1) * 5 });
  }
  return pts;
}

t.test('edgePoint: only a single rollover makes a point, centred with half the gap as uncertainty', async (t) => {
  t.same(edgePoint({ refMs: 100, rtcMs: 5000 }, { refMs: 110, rtcMs: 6000 }, 2), { atMs: 105, offsetMs: 5895, uncertaintyMs: 5, segment: 2 });
  t.equal(edgePoint({ refMs: 100, rtcMs: 5000 }, { refMs: 110, rtcMs: 5000 }, 0), null);
  t.equal(edgePoint({ refMs: 100, rtcMs: 5000 }, { refMs: 2110, rtcMs: 7000 }, 0), null);
});

// ±5 ms edge timing over n points: the rate's standard error is about 0.08 ppm after 6 h, 0.01 ppm after 24 h.
t.test('drift from synthetic edges over 24 h is within 0.05 ppm and within 3 standard errors', async (t) => {
  for (const ppm of [2.5, -1.2, 0.3, 18]) {
    const est = estimateDrift(synth(ppm, 24, 7), { minPoints: 3, minBaselineS: 3600 })!;
    t.ok(Math.abs(est.ppm - ppm) < Math.min(0.05, 3 * est.stdErrPpm), `${ppm} ppm → ${est.ppm.toFixed(4)} ± ${est.stdErrPpm.toFixed(4)}`);
    t.ok(est.stdErrPpm > 0 && est.stdErrPpm < 0.02);
    t.equal(est.baselineS, 24 * 3600);
  }
});

t.test('RTC writes (new offsets) do not spoil the common rate', async (t) => {
  const est = estimateDrift(synth(-3, 48, 11, [16 * 3600_000, 32 * 3600_000]), { minPoints: 3, minBaselineS: 3600 })!;
  t.ok(Math.abs(est.ppm + 3) < 0.05, `${est.ppm}`);
  const naive = estimateDrift(synth(-3, 48, 11, [16 * 3600_000, 32 * 3600_000]).map((p) => ({ ...p, segment: 0 })), { minPoints: 3, minBaselineS: 0 })!;
  t.ok(Math.abs(naive.ppm + 3) > 0.2, `ignoring segments: ${naive.ppm} (the pooled fit matters)`);
});

t.test('an outlier is dropped; too short a baseline gives nothing', async (t) => {
  const pts = synth(1, 24, 3);
  pts[10] = { ...pts[10]!, offsetMs: pts[10]!.offsetMs + 400 };
  const est = estimateDrift(pts, { minPoints: 3, minBaselineS: 3600 })!;
  t.equal(est.points, pts.length - 1);
  t.ok(Math.abs(est.ppm - 1) < 0.05);
  t.equal(estimateDrift(synth(1, 0.5, 3), { minPoints: 3, minBaselineS: 3600 }), null);
  t.equal(estimateDrift([], { minPoints: 3, minBaselineS: 0 }), null);
  let many: DriftPoint[] = [];
  for (const p of synth(1, 24, 1)) many = addPoint(many, p, 50);
  t.equal(many.length, 50);
});

t.test('trimStep: direction, bounds and confidence', async (t) => {
  const ds = { ppmPerStep: -0.1, min: -128, max: 127 };
  const e = (ppm: number, se = 0.01) => ({ ppm, stdErrPpm: se, points: 30, baselineS: 36000 });
  t.equal(trimStep(e(0.2), { ...ds, current: 0 }, { maxStep: 3, maxStdErrPpm: 0.05 }), 2, 'fast RTC: raise aging (slower)');
  t.equal(trimStep(e(2), { ...ds, current: 0 }, { maxStep: 3, maxStdErrPpm: 0.05 }), 3, 'bounded to maxStep');
  t.equal(trimStep(e(-2), { ...ds, current: -127 }, { maxStep: 3, maxStdErrPpm: 0.05 }), -1, 'bounded by the register');
  t.equal(trimStep(e(0.04), { ...ds, current: 0 }, { maxStep: 3, maxStdErrPpm: 0.05 }), 0, 'within half a step');
  t.equal(trimStep(e(2, 0.2), { ...ds, current: 0 }, { maxStep: 3, maxStdErrPpm: 0.05 }), 0, 'not confident');
});
