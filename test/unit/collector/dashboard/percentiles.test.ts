import t from 'tap';
import { percentileOfSorted, summarize } from '../../../../src/collector/dashboard/percentiles.js';

const agg = (mean: number, count = 1, spread = 0) => ({ count, min: mean - spread, max: mean + spread, mean, rms: Math.sqrt(mean * mean + spread * spread) });

t.test('percentiles interpolate between ranks (R type 7 / NumPy default)', async (t) => {
  const v = Array.from({ length: 101 }, (_, i) => i); // 0..100: the q-th percentile is q
  for (const q of [0, 1, 5, 50, 95, 99, 100]) t.equal(percentileOfSorted(v, q), q);
  t.equal(percentileOfSorted([10, 20], 50), 15);
  t.equal(percentileOfSorted([10, 20, 30, 40], 95), 38.5); // pos 2.85
  t.equal(percentileOfSorted([7], 99), 7);
  t.throws(() => percentileOfSorted([], 50), RangeError);
  t.throws(() => percentileOfSorted([1], 101), RangeError);
});

t.test('summary: percentiles of interval means, exact moments over samples', async (t) => {
  // 100 intervals with means 1..100 (shuffled), 10 samples each, spread ±0.5 inside an interval.
  const parts = Array.from({ length: 100 }, (_, i) => agg(((i * 37) % 100) + 1, 10, 0.5));
  const s = summarize(parts)!;
  t.equal(s.intervals, 100);
  t.equal(s.samples, 1000);
  t.equal(s.p[50], 50.5);
  t.equal(Number(s.p[1].toFixed(6)), 1.99);
  t.equal(Number(s.p[99].toFixed(6)), 99.01);
  t.equal(Number(s.range5to95.toFixed(6)), Number((s.p[95] - s.p[5]).toFixed(6)));
  t.equal(s.min, 0.5);
  t.equal(s.max, 100.5);
  t.equal(Number(s.mean.toFixed(9)), 50.5);
  // RMS² = mean of squares; each interval's samples are mean ± 0.5: E[x²] = mean² + 0.25
  const meanSq = Array.from({ length: 100 }, (_, i) => (i + 1) ** 2 + 0.25).reduce((a, b) => a + b) / 100;
  t.equal(Number(s.rms.toFixed(9)), Number(Math.sqrt(meanSq).toFixed(9)));
  // population std dev of 1..100 (with the ±0.5 inside): sqrt((100²−1)/12 + 0.25)
  t.equal(Number(s.stdDev.toFixed(9)), Number(Math.sqrt((100 * 100 - 1) / 12 + 0.25).toFixed(9)));
});

t.test('no data is null, and missing intervals are skipped, not zeros', async (t) => {
  t.equal(summarize([]), null);
  t.equal(summarize([null, undefined, null]), null);
  const s = summarize([null, agg(-2e-6), null, agg(2e-6)])!;
  t.equal(s.intervals, 2);
  t.equal(s.p[50], 0);
  t.equal(s.min, -2e-6);
  t.equal(s.stdDev, 2e-6);
});
