import t from 'tap';
import { batchItems, batchSchema, MAX_BATCH_ITEMS } from '../../../src/fleet-wire/schema.js';

const event = (seq: number) => ({ seq, kind: 'event' as const, at: 1_700_000_000_000 + seq, body: { type: 'daemon-start' as const } });

t.test('records and gaps form one contiguous run', async (t) => {
  const b = batchSchema.parse({ v: 1, sentAt: 0, lastSeq: 5, records: [event(5), event(3)], gaps: [{ from: 4, to: 4, reason: 'retention-age' }] });
  const r = batchItems(b);
  t.ok('items' in r);
  if ('items' in r) t.same(r.items.map((i) => [i.from, i.to, i.kind]), [[3, 3, 'record'], [4, 4, 'gap'], [5, 5, 'record']]);
});

t.test('a hole or an overlap makes the batch malformed', async (t) => {
  const hole = batchItems(batchSchema.parse({ v: 1, sentAt: 0, lastSeq: 3, records: [event(1), event(3)] }));
  t.match(hole, { error: /not contiguous: 1 is followed by 3/ });
  const dup = batchItems(batchSchema.parse({ v: 1, sentAt: 0, lastSeq: 2, records: [event(2)], gaps: [{ from: 1, to: 2, reason: 'lost' }] }));
  t.match(dup, { error: /appears twice/ });
});

t.test('the schema refuses what it cannot store honestly', async (t) => {
  t.notOk(batchSchema.safeParse({ v: 2, sentAt: 0, lastSeq: 0, records: [] }).success, 'unknown version');
  t.notOk(batchSchema.safeParse({ v: 1, sentAt: 0, lastSeq: 2000, records: [{ ...event(0) }] }).success, 'seq 0');
  t.notOk(batchSchema.safeParse({ v: 1, sentAt: 0, lastSeq: 2000, records: [{ ...event(1), seq: 1.5 }] }).success, 'fractional seq');
  t.notOk(batchSchema.safeParse({ v: 1, sentAt: 0, lastSeq: 2000, records: [event(1)], extra: 1 }).success, 'unknown envelope key');
  t.notOk(batchSchema.safeParse({ v: 1, sentAt: 0, lastSeq: 2000, records: [], gaps: [{ from: 5, to: 4, reason: 'lost' }] }).success, 'inverted gap');
  t.notOk(batchSchema.safeParse({ v: 1, sentAt: 0, lastSeq: 2000, records: Array.from({ length: MAX_BATCH_ITEMS + 1 }, (_, i) => event(i + 1)) }).success, 'too many');
  t.notOk(batchSchema.safeParse({ v: 1, sentAt: 0, lastSeq: 2000, records: [{ seq: 1, kind: 'event', at: 0, body: { type: 'nonsense' } }] }).success, 'unknown event');
});

t.test('lastSeq is required, a whole number from 0', async (t) => {
  t.notOk(batchSchema.safeParse({ v: 1, sentAt: 0, records: [event(1)] }).success, 'missing');
  t.notOk(batchSchema.safeParse({ v: 1, sentAt: 0, lastSeq: -1, records: [] }).success, 'negative');
  t.notOk(batchSchema.safeParse({ v: 1, sentAt: 0, lastSeq: 2.5, records: [] }).success, 'fractional');
  t.notOk(batchSchema.safeParse({ v: 1, sentAt: 0, lastSeq: 2 ** 60, records: [] }).success, 'past MAX_SAFE_INTEGER');
  t.ok(batchSchema.safeParse({ v: 1, sentAt: 0, lastSeq: 0, records: [] }).success, '0: an empty batch from an appliance that numbered nothing yet');
});

t.test('nothing in a batch may go beyond its lastSeq', async (t) => {
  const at = (lastSeq: number, records: ReturnType<typeof event>[], gaps: unknown[] = []) => batchItems(batchSchema.parse({ v: 1, sentAt: 0, lastSeq, records, gaps }));
  const farGap = at(7, [event(7)], [{ from: 8, to: 9e15, reason: 'retention-age' }]);
  t.match(farGap, { rule: 'beyond-last-seq', error: /runs to 9000000000000000 \(gap 8\.\.9000000000000000\).*lastSeq.* is 7/ }, 'a gap far past lastSeq, with the numbers');
  t.match(at(3, [event(3), event(4)]), { rule: 'beyond-last-seq', error: /runs to 4 \(record 4\).* is 3/ }, 'a record past lastSeq');
  t.match(at(0, [event(1)]), { rule: 'beyond-last-seq' }, 'lastSeq 0 with a record');
  t.match(at(5, [], [{ from: 1, to: 6, reason: 'lost' }]), { rule: 'beyond-last-seq', error: /gap 1\.\.6/ }, 'a gap one past lastSeq');
  t.ok('items' in at(4, [event(4)], [{ from: 1, to: 3, reason: 'retention-size' }]), 'ending exactly at lastSeq is fine');
  t.ok('items' in at(100, [event(4)]), 'ending below lastSeq is fine (more is pending on the appliance)');
  t.ok('items' in at(0, []), 'an empty batch');
  t.match(at(9, [event(1), event(3)]), { rule: 'contiguous' }, 'a hole is still a contiguity error');
});

t.test('a batch built in code without lastSeq is refused, not trusted', async (t) => {
  const b = { v: 1, sentAt: 0, records: [event(1)], gaps: [] } as unknown as Parameters<typeof batchItems>[0];
  t.match(batchItems(b), { rule: 'beyond-last-seq', error: /lastSeq.* is undefined/ });
});
