import t from 'tap';
import { batchItems, batchSchema, type TelemetryBody } from '../../../../src/fleet-wire/schema.js';
import { SimOutbox } from '../../../../src/collector/simulate/sim-outbox.js';

const body = (i: number): TelemetryBody => ({
  intervalS: 10,
  fromMs: i * 10_000,
  toMs: (i + 1) * 10_000,
  offsetS: null,
  frequencyPpm: null,
  skewPpm: null,
  rootDelayS: null,
  rootDispersionS: null,
  ppsOffsetS: null,
  ppsJitterS: null,
  stratum: 1,
  leap: 'normal',
  selectedSource: 'PPS',
  gnss: { mode: 3, satellitesUsed: null, cnoDbHz: null },
  rtc: { driftPpm: null, temperatureC: null },
  holdover: { state: 'locked', estimateS: null },
});

const seqsOf = (b: ReturnType<SimOutbox['batch']>) => b!.records.map((r) => r.seq);

t.test('numbers from 1, batches from ackedSeq + 1, deletes only what is acknowledged', async (t) => {
  const o = new SimOutbox(100);
  for (let i = 0; i < 5; i++) t.equal(o.append('telemetry', i, body(i)), i + 1);
  o.append('event', 99, { type: 'daemon-start' });
  t.equal(o.lastSeq, 6);
  t.equal(o.backlog, 6);
  const b = o.batch(4, 1e6, 0, 'x');
  t.same(seqsOf(b), [1, 2, 3, 4]);
  t.ok(batchSchema.safeParse(b).success, 'a valid Batch');
  t.equal(b!.lastSeq, 6, 'lastSeq is the highest number assigned, not the end of the batch');
  t.ok('items' in batchItems(b!), 'contiguous');
  o.ack(2);
  t.same(seqsOf(o.batch(10, 1e6, 0, 'x')), [3, 4, 5, 6], 'resend from ackedSeq + 1 (3 and 4 again: their Ack never came)');
  o.ack(1);
  t.equal(o.ackedSeq, 2, 'an older Ack does not move the mark back');
  o.ack(6);
  t.equal(o.backlog, 0);
  t.equal(o.batch(10, 1e6, 0, 'x'), null);
  t.equal(o.append('telemetry', 7, body(7)), 7, 'numbering goes on');
});

t.test('retention drops the oldest unacknowledged records as one explicit gap', async (t) => {
  const o = new SimOutbox(3);
  for (let i = 0; i < 7; i++) o.append('telemetry', i, body(i));
  t.equal(o.dropped, 4);
  const b = o.batch(100, 1e6, 0, 'x')!;
  t.same(b.gaps, [{ from: 1, to: 4, reason: 'retention-size' }]);
  t.same(seqsOf(b), [5, 6, 7]);
  t.ok('items' in batchItems(b), 'gap and records are one contiguous run');
  t.same(o.batch(2, 1e6, 0, 'x')!.records.length, 1, 'the gap counts as an item');
  o.ack(2);
  t.same(o.batch(100, 1e6, 0, 'x')!.gaps, [{ from: 3, to: 4, reason: 'retention-size' }], 'a partly acknowledged gap shrinks');
  o.ack(5);
  t.same(o.batch(100, 1e6, 0, 'x')!.gaps, [], 'gone once acknowledged');
});

t.test('a batch stays under the byte bound, but always carries one record', async (t) => {
  const o = new SimOutbox(1000);
  for (let i = 0; i < 100; i++) o.append('telemetry', i, body(i));
  const one = JSON.stringify(o.batch(1, 1e6, 0, 'x')!.records[0]).length;
  const b = o.batch(1000, one * 10, 0, 'x')!;
  t.ok(b.records.length >= 5 && b.records.length < 10, `${b.records.length} records`);
  t.ok(JSON.stringify(b).length <= one * 10, 'within the bound');
  t.equal(o.batch(1000, 10, 0, 'x')!.records.length, 1);
});

t.test('starts from the collector mark; a collector that lost data gets a lost gap', async (t) => {
  const o = new SimOutbox(100, 40);
  t.equal(o.append('telemetry', 0, body(0)), 41, 'a rerun numbers on from the collector mark');
  o.append('telemetry', 0, body(1));
  o.ack(41);
  o.collectorBehind(30);
  const b = o.batch(100, 1e6, 0, 'x')!;
  t.same(b.gaps, [{ from: 31, to: 41, reason: 'lost' }]);
  t.same(seqsOf(b), [42]);
  t.ok('items' in batchItems(b));
});
