import t from 'tap';
import { edgeOffsetNs, PpsTracker, type PpsContext } from '../../../../src/daemon/core/pps-tracker.js';

const good: PpsContext = { gnssTimeValid: true, clockDisciplined: true };
const S = 1_717_228_800;

/** Feeds n pulses, one per second of monotonic time, with `nsecOf(i)` as the kernel stamp. */
function feed(tr: PpsTracker, n: number, opts: { from?: number; ctx?: PpsContext; nsecOf?: (i: number) => number; periodS?: number } = {}): number {
  const from = opts.from ?? 1;
  const period = opts.periodS ?? 1;
  for (let i = from; i < from + n; i++) {
    const ns = opts.nsecOf?.(i) ?? 0;
    const t = i * period;
    // Signed offsets normalised as the kernel stores a timespec: an early edge is the
    // previous second with nsec near 1e9.
    const total = BigInt(S + Math.floor(t)) * 1_000_000_000n + BigInt(Math.round((t % 1) * 1e9) + ns);
    const sec = total / 1_000_000_000n;
    tr.onEdge({ sec: Number(sec), nsec: Number(total - sec * 1_000_000_000n), seq: i }, t * 1000, opts.ctx ?? good);
  }
  return (from + n - 1) * period * 1000;
}

t.test('a steady 1 PPS under a disciplined clock is ok, with its offset and jitter', async (t) => {
  const tr = new PpsTracker(0);
  const jitter = [300, -200, 100, -400, 200];
  const now = feed(tr, 20, { nsecOf: (i) => jitter[i % 5]! });
  const h = tr.evaluate(now + 200, good);
  t.equal(h.condition, 'ok');
  t.equal(h.pulses, 20);
  t.equal(h.missed, 0);
  t.ok(h.offset && Math.abs(h.offset.meanNs - 0) < 1, 'mean offset 0 ns');
  t.ok(h.offset && h.offset.jitterNs > 260 && h.offset.jitterNs < 275, `jitter ≈ 268 ns (sample sd) (${h.offset?.jitterNs})`);
  // First edge -200 ns, last +300 ns: 19 intervals average 1 s + 500/19 ns.
  t.ok(h.interval && Math.abs(h.interval.meanNs - (1e9 + 500 / 19)) < 1e-3, `${h.interval?.meanNs}`);
  t.equal(h.lastSeenAgoMs, 200);
  t.ok(h.rateHz !== null && Math.abs(h.rateHz - 1) < 1e-6);
});

t.test('edge offset folds into ±0.5 s', async (t) => {
  t.equal(edgeOffsetNs(999_998_000), -2000);
  t.equal(edgeOffsetNs(2000), 2000);
  t.equal(edgeOffsetNs(500_000_000), 500_000_000);
});

t.test('sequence gaps count missed pulses, and the interval stays per pulse', async (t) => {
  const tr = new PpsTracker(0);
  tr.onEdge({ sec: S + 1, nsec: 0, seq: 1 }, 1000, good);
  tr.onEdge({ sec: S + 2, nsec: 0, seq: 2 }, 2000, good);
  tr.onEdge({ sec: S + 5, nsec: 0, seq: 5 }, 5000, good);
  tr.onEdge({ sec: S + 6, nsec: 0, seq: 6 }, 6000, good);
  const h = tr.evaluate(6100, good);
  t.equal(h.missed, 2);
  t.equal(h.gaps, 1);
  t.equal(h.interval?.maxNs, 1e9, 'a 3 s gap over 3 pulses is 1 s each, not a wrong rate');
  t.equal(h.condition, 'ok');
});

t.test('waiting at start, then missing; missing again when pulses stop', async (t) => {
  const tr = new PpsTracker(10_000, { missingAfterMs: 2500 });
  t.equal(tr.evaluate(11_000, good).condition, 'waiting');
  t.equal(tr.evaluate(12_600, good).condition, 'missing');
  tr.onEdge({ sec: S, nsec: 0, seq: 1 }, 13_000, good);
  t.equal(tr.evaluate(13_100, good).condition, 'ok');
  const m = tr.evaluate(15_600, good);
  t.equal(m.condition, 'missing');
  t.match(m.message, /no PPS edge for 2\.6 s/);
});

t.test('PPS present while GNSS time is not valid is reported as such', async (t) => {
  const tr = new PpsTracker(0);
  const now = feed(tr, 5, { ctx: { gnssTimeValid: false, clockDisciplined: false } });
  const h = tr.evaluate(now, { gnssTimeValid: false, clockDisciplined: false });
  t.equal(h.condition, 'no-gnss-time');
  t.equal(h.offset, null, 'no offsets against an undisciplined clock');
});

t.test('wrong rate: a receiver set to 10 Hz, or 0.5 Hz', async (t) => {
  const fast = new PpsTracker(0);
  const n1 = feed(fast, 20, { periodS: 0.1 });
  const h1 = fast.evaluate(n1, good);
  t.equal(h1.condition, 'wrong-rate');
  t.match(h1.message, /PPS at 10\.00 Hz/);
  const slow = new PpsTracker(0, { missingAfterMs: 2500 });
  const n2 = feed(slow, 6, { periodS: 2 });
  t.equal(slow.evaluate(n2 + 100, good).condition, 'wrong-rate');
});

t.test('one spurious edge does not flip the rate; the median holds', async (t) => {
  const tr = new PpsTracker(0);
  feed(tr, 10);
  // A glitch 300 ms after pulse 10 takes seq 11; the true pulse 11 comes as seq 12.
  tr.onEdge({ sec: S + 10, nsec: 300_000_000, seq: 11 }, 10_300, good);
  tr.onEdge({ sec: S + 11, nsec: 0, seq: 12 }, 11_000, good);
  tr.onEdge({ sec: S + 12, nsec: 0, seq: 13 }, 12_000, good);
  const h = tr.evaluate(12_100, good);
  t.equal(h.condition, 'ok');
  t.equal(h.interval?.minNs, 300_000_000, 'the glitch shows in the interval minimum');
});

t.test('an undisciplined clock within 500 ppm is not a wrong rate', async (t) => {
  const tr = new PpsTracker(0);
  const now = feed(tr, 10, { nsecOf: (i) => i * 500_000 }); // +500 µs per second
  t.equal(tr.evaluate(now, { gnssTimeValid: true, clockDisciplined: false }).condition, 'ok');
});

t.test('a source restart (sequence back to 1) resets intervals and is counted', async (t) => {
  const tr = new PpsTracker(0);
  feed(tr, 5);
  tr.onEdge({ sec: S + 9, nsec: 0, seq: 1 }, 9000, good);
  const h = tr.evaluate(9100, good);
  t.equal(h.resets, 1);
  t.equal(h.interval, null, 'no interval across the restart');
  t.equal(h.missed, 0);
});

t.test('statistics keep a bounded window', async (t) => {
  const tr = new PpsTracker(0, { window: 8 });
  const now = feed(tr, 100);
  const h = tr.evaluate(now, good);
  t.equal(h.interval?.samples, 8);
  t.equal(h.offset?.samples, 8);
  t.equal(h.pulses, 100);
});
