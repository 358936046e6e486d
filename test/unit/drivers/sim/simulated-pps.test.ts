import t from 'tap';
import { ManualClock } from '../../../../src/drivers/clock.js';
import type { PpsEdge } from '../../../../src/drivers/pps/pps-source.js';
import { seededRandom } from '../../../../src/lib/seeded-random.js';
import { SimulatedPps } from '../../../../src/drivers/sim/simulated-pps.js';
import type { SimulatedPpsOptions } from '../../../../src/drivers/sim/simulated-pps.js';

const T0 = Date.UTC(2024, 5, 1, 8, 0, 0);
const S0 = T0 / 1000;

async function started(opts: Omit<SimulatedPpsOptions, 'clock'> = {}) {
  const clock = new ManualClock(T0 + 400);
  const pps = new SimulatedPps({ clock, ...opts });
  const edges: PpsEdge[] = [];
  const closes: (Error | null)[] = [];
  pps.on('edge', (e) => edges.push(e));
  pps.on('close', (e) => closes.push(e));
  await pps.open();
  return { clock, pps, edges, closes };
}

t.test('an edge at every top of second, numbered from 1', async (t) => {
  const { clock, edges } = await started();
  clock.advance(3_000);
  t.same(edges, [
    { sec: S0 + 1, nsec: 0, seq: 1 },
    { sec: S0 + 2, nsec: 0, seq: 2 },
    { sec: S0 + 3, nsec: 0, seq: 3 },
  ]);
});

t.test('jitter stays within its bound, varies, and may fall before the second', async (t) => {
  const { clock, edges } = await started({ jitterNs: 2_000, offsetNs: -500, random: seededRandom(42) });
  clock.advance(200_000);
  t.equal(edges.length, 200);
  const offsets = edges.map((e, i) => (e.sec - (S0 + i + 1)) * 1e9 + e.nsec);
  t.ok(offsets.every((o) => o >= -2_500 && o <= 1_500), 'within offset ± jitter');
  t.ok(new Set(offsets).size > 150, 'not constant');
  const early = edges.find((e, i) => e.sec === S0 + i);
  t.ok(early && early.nsec > 999_997_000, 'an early edge is the previous second + ~999.99 ms, not a negative nsec');
  const mean = offsets.reduce((a, b) => a + b, 0) / offsets.length;
  t.ok(Math.abs(mean - -500) < 300, `mean ${mean} ns is the offset`);
});

t.test('a seeded jitter is reproducible', async (t) => {
  const a = await started({ jitterNs: 1_000, random: seededRandom(7) });
  const b = await started({ jitterNs: 1_000, random: seededRandom(7) });
  a.clock.advance(10_000);
  b.clock.advance(10_000);
  t.same(a.edges, b.edges);
});

t.test('dropped pulses: not sent keeps seq contiguous, not read leaves a gap', async (t) => {
  const { clock, pps, edges } = await started();
  clock.advance(1_000); // seq 1
  pps.dropNext(2, 'not-sent');
  clock.advance(3_000); // two silent seconds, then seq 2
  pps.dropNext(1, 'not-read');
  clock.advance(2_000); // seq 3 unread, seq 4
  t.same(
    edges.map((e) => [e.sec - S0, e.seq]),
    [
      [1, 1],
      [4, 2],
      [6, 4],
    ],
  );
  t.equal(pps.sequence, 4);
});

t.test('close() stops edges and reports close(null); open twice rejects', async (t) => {
  const { clock, pps, edges, closes } = await started();
  await t.rejects(pps.open(), { message: /already open/ });
  clock.advance(1_000);
  await pps.close();
  clock.advance(5_000);
  t.equal(edges.length, 1);
  t.same(closes, [null]);
  t.equal(clock.pendingTimers, 0);
});
