import t from 'tap';
import { Accumulator, mergeAggregates } from '../../../src/fleet-wire/aggregate.js';

function direct(values: number[]) {
  const a = new Accumulator();
  for (const v of values) a.add(v);
  return a.result();
}

t.test('an empty accumulator has no result, never zeros', async (t) => {
  const a = new Accumulator();
  a.add(null);
  a.add(undefined);
  a.add(Number.NaN);
  t.equal(a.result(), null);
  t.equal(mergeAggregates([null, undefined]), null);
});

t.test('count/min/max/mean/rms of samples', async (t) => {
  const r = direct([3, -4, 0, 1])!;
  t.equal(r.count, 4);
  t.equal(r.min, -4);
  t.equal(r.max, 3);
  t.equal(r.mean, 0);
  t.ok(Math.abs(r.rms - Math.sqrt(26 / 4)) < 1e-12);
});

t.test('merging parts equals aggregating the samples, whatever the grouping', async (t) => {
  const values = Array.from({ length: 97 }, (_, i) => Math.sin(i * 1.7) * 1e-3 + (i % 7) * 1e-5);
  const whole = direct(values)!;
  for (const cut of [[10, 50], [1, 2, 3], [40]]) {
    const parts = [];
    let from = 0;
    for (const c of [...cut, values.length]) {
      parts.push(direct(values.slice(from, c)));
      from = c;
    }
    const merged = mergeAggregates(parts)!;
    t.equal(merged.count, whole.count);
    t.equal(merged.min, whole.min);
    t.equal(merged.max, whole.max);
    t.ok(Math.abs(merged.mean - whole.mean) < 1e-15, `mean for cut ${cut}`);
    t.ok(Math.abs(merged.rms - whole.rms) < 1e-15, `rms for cut ${cut}`);
  }
  // A rollup of rollups equals the rollup of the samples.
  const nested = mergeAggregates([mergeAggregates([direct(values.slice(0, 30)), direct(values.slice(30, 60))]), direct(values.slice(60))])!;
  t.ok(Math.abs(nested.rms - whole.rms) < 1e-15);
});
