import t from 'tap';
import { batchItems, batchSchema, MAX_BATCH_ITEMS } from '../../../src/fleet-wire/schema.js';

const event = (seq: number) => ({ seq, kind: 'event' as const, at: 1_700_000_000_000 + seq, body: { type: 'daemon-start' as const } });

t.test('records and gaps form one contiguous run', async (t) => {
  const b = batchSchema.parse({ v: 1, sentAt: 0, records: [event(5), event(3)], gaps: [{ from: 4, to: 4, reason: 'retention-age' }] });
  const r = batchItems(b);
  t.ok('items' in r);
  if ('items' in r) t.same(r.items.map((i) => [i.from, i.to, i.kind]), [[3, 3, 'record'], [4, 4, 'gap'], [5, 5, 'record']]);
});

t.test('a hole or an overlap makes the batch malformed', async (t) => {
  const hole = batchItems(batchSchema.parse({ v: 1, sentAt: 0, records: [event(1), event(3)] }));
  t.match(hole, { error: /not contiguous: 1 is followed by 3/ });
  const dup = batchItems(batchSchema.parse({ v: 1, sentAt: 0, records: [event(2)], gaps: [{ from: 1, to: 2, reason: 'lost' }] }));
  t.match(dup, { error: /appears twice/ });
});

t.test('the schema refuses what it cannot store honestly', async (t) => {
  t.notOk(batchSchema.safeParse({ v: 2, sentAt: 0, records: [] }).success, 'unknown version');
  t.notOk(batchSchema.safeParse({ v: 1, sentAt: 0, records: [{ ...event(0) }] }).success, 'seq 0');
  t.notOk(batchSchema.safeParse({ v: 1, sentAt: 0, records: [{ ...event(1), seq: 1.5 }] }).success, 'fractional seq');
  t.notOk(batchSchema.safeParse({ v: 1, sentAt: 0, records: [event(1)], extra: 1 }).success, 'unknown envelope key');
  t.notOk(batchSchema.safeParse({ v: 1, sentAt: 0, records: [], gaps: [{ from: 5, to: 4, reason: 'lost' }] }).success, 'inverted gap');
  t.notOk(batchSchema.safeParse({ v: 1, sentAt: 0, records: Array.from({ length: MAX_BATCH_ITEMS + 1 }, (_, i) => event(i + 1)) }).success, 'too many');
  t.notOk(batchSchema.safeParse({ v: 1, sentAt: 0, records: [{ seq: 1, kind: 'event', at: 0, body: { type: 'nonsense' } }] }).success, 'unknown event');
});
