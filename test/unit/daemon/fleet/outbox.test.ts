import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Outbox, type NewRecord } from '../../../../src/daemon/fleet/outbox.js';
import { OutboxWriter } from '../../../../src/daemon/fleet/recorder.js';
import { batchItems, batchSchema } from '../../../../src/fleet-wire/schema.js';

const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);
const DAY = 86_400_000;
const dir = (): string => mkdtempSync(join(tmpdir(), 's1d-outbox-'));
const ev = (at: number, message = 'x'): NewRecord => ({ kind: 'event', at, body: { type: 'config-changed', message } });

t.test('sequence numbers start at 1, survive a reopen, and are never reused after acknowledgement', async (t) => {
  const path = join(dir(), 'fleet-outbox.db');
  let box = new Outbox(path, { maxAgeDays: 30, maxBytes: 1 << 20, now: () => T0 });
  t.same([box.append(ev(T0)), box.append(ev(T0)), box.append(ev(T0))], [1, 2, 3]);
  box.close();
  box = new Outbox(path, { maxAgeDays: 30, maxBytes: 1 << 20, now: () => T0 });
  t.equal(box.append(ev(T0)), 4, 'numbering continues after a restart');
  box.ack(4);
  t.same(box.stats, { lastSeq: 4, ackedSeq: 4, backlog: 0, dropped: 0, bodyBytes: 0 });
  t.equal(box.recordCount, 0, 'acknowledged records are deleted');
  box.close();
  box = new Outbox(path, { maxAgeDays: 30, maxBytes: 1 << 20, now: () => T0 });
  t.equal(box.append(ev(T0)), 5, 'an empty outbox still continues from its persisted counter, not from MAX(seq)');
  t.equal(box.stats.ackedSeq, 4);
  box.close();
  const raw = new Database(path, { readonly: true });
  t.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
  raw.close();
});

t.test('pending items are contiguous and form a batch the collector accepts; ack is cumulative and monotonic', async (t) => {
  const box = new Outbox(join(dir(), 'o.db'), { maxAgeDays: 30, maxBytes: 1 << 20, now: () => T0 });
  t.teardown(() => box.close());
  for (let i = 0; i < 5; i++) box.append(ev(T0 + i));
  const items = box.pending(2, 3);
  t.same(items.map((i) => [i.kind, i.from]), [['record', 2], ['record', 3], ['record', 4]]);
  box.ack(3);
  t.same(box.pending(1, 10).map((i) => i.from), [4, 5]);
  box.ack(2);
  t.equal(box.stats.ackedSeq, 3, 'a lower ack never moves the mark back');
  box.ack(99);
  t.equal(box.stats.ackedSeq, 5, 'an ack beyond the newest record stops at it');
});

t.test('retention by age and by size drops the oldest unacknowledged records as explicit gap runs', async (t) => {
  let now = T0;
  const box = new Outbox(join(dir(), 'o.db'), { maxAgeDays: 1, maxBytes: 2000, now: () => now });
  t.teardown(() => box.close());
  for (let i = 0; i < 4; i++) box.append(ev(T0 + i * 1000));
  now = T0 + DAY + 1500; // records 1 and 2 are older than a day
  t.equal(box.enforceRetention(), 2);
  const big = 'y'.repeat(600);
  for (let i = 0; i < 4; i++) box.append(ev(now, big)); // 5..8, ~600 bytes each: over 2000 in all
  const dropped = box.enforceRetention();
  t.ok(dropped >= 2, `size retention dropped ${dropped}`);
  t.ok(box.stats.bodyBytes <= 2000, `${box.stats.bodyBytes} bytes kept`);
  t.equal(box.stats.dropped, 2 + dropped);
  const items = box.pending(1, 100);
  t.same(items[0], { kind: 'gap', from: 1, to: 2, gap: { from: 1, to: 2, reason: 'retention-age' } }, 'one run for consecutive drops of one reason');
  t.equal(items[1]!.kind, 'gap');
  t.same(items[1]!.kind === 'gap' && items[1]!.gap, { from: 3, to: 2 + dropped, reason: 'retention-size' });
  t.equal(items[items.length - 1]!.to, 8, 'every number from 1 to the newest is covered');
  const batch = batchSchema.parse({ v: 1, sentAt: now, lastSeq: box.stats.lastSeq, records: items.flatMap((i) => (i.kind === 'record' ? [i.record] : [])), gaps: items.flatMap((i) => (i.kind === 'gap' ? [i.gap] : [])) });
  t.ok('items' in batchItems(batch), 'the wire contract accepts it as one contiguous run');

  box.ack(1);
  t.same(box.pending(2, 1)[0], { kind: 'gap', from: 2, to: 2, gap: { from: 2, to: 2, reason: 'retention-age' } }, 'an ack inside a gap run keeps its unacknowledged part');
});

t.test('a full disk: append throws, no number is used, the writer keeps records in memory and writes them in order later', async (t) => {
  const d = dir();
  const path = join(d, 'o.db');
  const first = new Outbox(path, { maxAgeDays: 30, maxBytes: 1 << 30, now: () => T0 });
  first.append(ev(T0));
  first.close();
  // SQLite's max_page_count makes it fail exactly as on a full disk (SQLITE_FULL).
  const full = new Outbox(path, { maxAgeDays: 30, maxBytes: 1 << 30, now: () => T0, maxPageCount: 1 });
  const big = 'z'.repeat(20_000);
  t.throws(() => full.append(ev(T0, big)), /full/i);
  t.equal(full.stats.lastSeq, 1, 'the failed write consumed no sequence number');

  let current: Outbox | null = full;
  let changes = 0;
  const writer = new OutboxWriter({ outbox: () => current, maxPending: 2, onChange: () => changes++ });
  writer.write(ev(T0 + 1, big));
  writer.write(ev(T0 + 2, big));
  writer.write(ev(T0 + 3, big));
  t.match(writer.error, /cannot write the outbox: .*full.*2 records waiting in memory, 1 lost/i);
  t.equal(writer.failures, 3);
  t.ok(changes >= 3, 'each failure is published');
  full.close();

  current = new Outbox(path, { maxAgeDays: 30, maxBytes: 1 << 30, now: () => T0 }); // space again
  writer.retry();
  t.equal(writer.error, null, 'the error clears once the writes succeed');
  t.equal(writer.waiting, 0);
  const items = current.pending(1, 10);
  t.same(items.map((i) => [i.from, i.kind === 'record' ? i.record.at : null]), [[1, T0], [2, T0 + 2], [3, T0 + 3]], 'written in order, numbered on write');
  current.close();
});

t.test('rebase: a collector ahead of a replaced outbox gets the pending records under new numbers', async (t) => {
  const box = new Outbox(join(dir(), 'o.db'), { maxAgeDays: 30, maxBytes: 1 << 20, now: () => T0 });
  t.teardown(() => box.close());
  box.append(ev(T0, 'a'));
  box.append(ev(T0, 'b'));
  t.equal(box.rebase(1), 0, 'not ahead: nothing to do');
  t.equal(box.rebase(40), 2);
  t.same(box.stats, { ...box.stats, lastSeq: 42, ackedSeq: 40, backlog: 2 });
  t.same(box.pending(41, 10).map((i) => [i.from, i.kind === 'record' && i.record.body.message]), [[41, 'a'], [42, 'b']]);
  t.equal(box.append(ev(T0)), 43);
});
