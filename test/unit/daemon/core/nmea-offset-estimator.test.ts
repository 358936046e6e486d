import t from 'tap';
import { median, NmeaOffsetEstimator, robustEstimate } from '../../../../src/daemon/core/nmea-offset-estimator.js';
import { seededRandom } from '../../../../src/lib/seeded-random.js';

t.test('median', async (t) => {
  t.equal(median([1, 2, 3]), 2);
  t.equal(median([1, 2, 3, 4]), 2.5);
  t.ok(Number.isNaN(median([])));
});

t.test('137 ms ± 3 ms jitter with 10% wild outliers: within 1 ms', async (t) => {
  const rnd = seededRandom(7);
  const est = new NmeaOffsetEstimator({ windowSize: 128, minSamples: 32 });
  for (let i = 0; i < 200; i++) {
    const jitter = (rnd() * 2 - 1) * 0.003;
    const outlier = rnd() < 0.1 ? 0.2 + rnd() * 0.6 : 0;
    est.add(0.137 + jitter + outlier);
  }
  const e = est.estimate();
  t.ok(e, 'an estimate');
  t.ok(Math.abs(e!.valueS - 0.137) < 0.001, `value ${e!.valueS}`);
  t.ok(e!.spreadS > 0.0005 && e!.spreadS < 0.004, `spread ${e!.spreadS} reflects the ±3 ms jitter`);
  t.ok(e!.outliers >= 5, `outliers rejected: ${e!.outliers}`);
  t.equal(e!.samples + e!.outliers, 128, 'the window holds windowSize samples');
});

t.test('no estimate before minSamples; impossible delays refused', async (t) => {
  const est = new NmeaOffsetEstimator({ windowSize: 16, minSamples: 4 });
  for (const x of [0.1, 0.1, 0.1]) est.add(x);
  t.equal(est.estimate(), null);
  t.notOk(est.ready);
  t.notOk(est.add(1.5), 'more than a second');
  t.notOk(est.add(-0.5), 'well before the pulse');
  t.notOk(est.add(Number.NaN));
  t.equal(est.rejected, 3);
  est.add(0.1);
  t.equal(est.estimate()?.valueS, 0.1);
  est.reset();
  t.equal(est.size, 0);
  t.equal(est.estimate(), null);
});

t.test('the window follows a changed receiver delay', async (t) => {
  const est = new NmeaOffsetEstimator({ windowSize: 32, minSamples: 8 });
  for (let i = 0; i < 32; i++) est.add(0.1);
  for (let i = 0; i < 32; i++) est.add(0.3);
  t.equal(est.estimate()?.valueS, 0.3);
});

t.test('robustEstimate of constant samples keeps all of them', async (t) => {
  t.same(robustEstimate([0.2, 0.2, 0.2]), { valueS: 0.2, spreadS: 0, samples: 3, outliers: 0 });
  t.equal(robustEstimate([]), null);
});
