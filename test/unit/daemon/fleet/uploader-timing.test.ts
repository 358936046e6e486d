import t, { type Test } from 'tap';
import { mock } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Outbox } from '../../../../src/daemon/fleet/outbox.js';
import { Uploader, type UploaderOptions } from '../../../../src/daemon/fleet/uploader.js';
import type { PostJson, PostResult } from '../../../../src/daemon/fleet/http-post.js';
import type { Logger } from '../../../../src/daemon/logger.js';

/**
 * The uploader's waits (backlog pacing, backoff with full jitter, Retry-After, 413 halving)
 * measured on a mocked setTimeout (node:test MockTimers): the uploader sleeps with setTimeout
 * and takes no sleep function, so the clock is advanced by hand and the test asserts the exact
 * millisecond at which the next attempt is made. The outbox is the real one on a temp file;
 * the collector is a `post` function that answers like the wire contract says.
 */

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => quiet, setLevel: () => undefined };

interface Call {
  from: number;
  to: number;
  items: number;
}

/** setTimeout is mocked, setImmediate is not: a few turns let resolved promises run the loop on. */
async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

function ack(ackedSeq: number, stored: number): PostResult {
  return { status: 200, body: { ackedSeq, stored, duplicates: 0, gapsStored: 0, receivedAt: 0 }, retryAfterS: null };
}

function refuse(status: number, code: string, retryAfterS: number | null = null): PostResult {
  return { status, body: { error: `refused with ${status}`, code }, retryAfterS };
}

/**
 * An outbox holding `records` events, an uploader on it, and a stub collector: `answer` decides
 * each reply (undefined: store the batch and acknowledge it cumulatively).
 */
async function rig(
  t: Test,
  o: { records: number; batchMax: number; maxRatePerS?: number; backoff?: { initialMs: number; maxMs: number }; random?: () => number; answer?: (c: Call, n: number) => PostResult | undefined },
) {
  const dir = mkdtempSync(join(tmpdir(), 's1d-uploader-'));
  const box = new Outbox(join(dir, 'fleet-outbox.db'), { maxAgeDays: 30, maxBytes: 1 << 24 });
  const append = (n: number): void => {
    for (let i = 0; i < n; i++) box.append({ kind: 'event', at: Date.now(), body: { type: 'config-changed', message: `record ${i}` } });
  };
  append(o.records);
  const calls: Call[] = [];
  const stored: number[] = [];
  let collectorAcked = 0;
  const post: PostJson = async (_url, _headers, body) => {
    const b = JSON.parse(body) as { records: Array<{ seq: number }>; gaps: Array<{ from: number; to: number }> };
    const seqs = [...b.records.map((r) => r.seq), ...b.gaps.flatMap((g) => [g.from, g.to])];
    const call = { from: Math.min(...seqs), to: Math.max(...seqs), items: b.records.length + b.gaps.length };
    calls.push(call);
    const special = o.answer?.(call, calls.length);
    if (special) return special;
    for (const r of b.records) if (r.seq > collectorAcked) stored.push(r.seq);
    collectorAcked = Math.max(collectorAcked, call.to);
    return ack(collectorAcked, b.records.length);
  };
  mock.timers.enable({ apis: ['setTimeout'] });
  const opts: UploaderOptions = {
    url: 'http://collector.test:8470',
    token: () => 'device-token',
    outbox: () => box,
    post,
    batchMax: o.batchMax,
    maxRatePerS: o.maxRatePerS ?? 100_000,
    timeoutMs: 5000,
    idleMs: 1e9, // never wakes up on its own during a test: only the waits under test schedule attempts
    backoff: o.backoff ?? { initialMs: 1000, maxMs: 60_000 },
    software: 'test',
    log: quiet,
    onChange: () => undefined,
    ...(o.random ? { random: o.random } : {}),
  };
  const up = new Uploader(opts);
  t.teardown(async () => {
    await up.stop(0);
    mock.timers.reset();
    box.close();
    rmSync(dir, { recursive: true, force: true });
  });
  up.start();
  await flush();

  /** Asserts that the next attempt comes exactly `ms` after the previous one (to the millisecond). */
  const nextAfter = async (ms: number, what: string): Promise<Call> => {
    const n = calls.length;
    if (ms >= 1) {
      mock.timers.tick(ms - 1);
      await flush();
      t.equal(calls.length, n, `${what}: no attempt before ${ms} ms`);
    }
    mock.timers.tick(1);
    await flush();
    t.equal(calls.length, n + 1, `${what}: the next attempt ${ms} ms after the previous`);
    return calls[calls.length - 1]!;
  };
  return { box, up, calls, stored, append, nextAfter };
}

t.test('a backlog is paced: after a batch of n records the uploader waits n / maxRatePerS seconds', async (t) => {
  for (const c of [
    { records: 23, batchMax: 5, rate: 2, sizes: [5, 5, 5, 5, 3] },
    { records: 20, batchMax: 8, rate: 16, sizes: [8, 8, 4] },
  ]) {
    await t.test(`${c.records} records, batchMax ${c.batchMax}, maxRatePerS ${c.rate}`, async (t) => {
      const r = await rig(t, { records: c.records, batchMax: c.batchMax, maxRatePerS: c.rate });
      t.equal(r.calls.length, 1, 'the first batch goes at once');
      for (let i = 1; i < c.sizes.length; i++) {
        const prev = c.sizes[i - 1]!;
        await r.nextAfter((prev / c.rate) * 1000, `batch ${i + 1} after ${prev} records`);
      }
      t.same(r.calls.map((x) => x.items), c.sizes, 'batches of batchMax, then the rest');
      mock.timers.tick(3_600_000);
      await flush();
      t.equal(r.calls.length, c.sizes.length, 'with the backlog sent, nothing more is sent');
      t.same(r.stored, Array.from({ length: c.records }, (_, i) => i + 1), 'every record arrived once, in order');
      t.equal(r.box.recordCount, 0, 'acknowledged records are deleted');
    });
  }
});

t.test('failures back off exponentially up to the cap with full jitter: each delay is random() × min(max, initial·2^n)', async (t) => {
  // Exact binary fractions, so each expected delay is a whole number of milliseconds.
  const draws = [0.75, 0.5, 0.25, 1023 / 1024, 0, 0.5, 0.5];
  let drawn = 0;
  const random = (): number => draws[drawn++]!;
  let failing = 6;
  const r = await rig(t, {
    records: 1,
    batchMax: 10,
    backoff: { initialMs: 1024, maxMs: 8192 },
    random,
    answer: () => (failing-- > 0 ? refuse(503, 'busy') : undefined),
  });
  // caps 1024, 2048, 4096, 8192, 8192, 8192 (the cap holds once reached)
  const expected = [0.75 * 1024, 0.5 * 2048, 0.25 * 4096, (1023 / 1024) * 8192, 0, 0.5 * 8192];
  t.same(expected, [768, 1024, 1024, 8184, 0, 4096]);
  for (const [i, ms] of expected.entries()) await r.nextAfter(ms, `retry ${i + 1}`);
  t.equal(drawn, 6, 'one fresh draw per failure');
  t.equal(r.up.status.consecutiveFailures, 0, 'the seventh attempt succeeded');
  t.same(r.stored, [1]);
  t.equal(r.box.recordCount, 0);

  // After a success the backoff starts again from initialMs.
  failing = 1;
  r.append(1);
  r.up.kick();
  await flush();
  t.equal(r.calls.length, 8, 'a new record is sent at once');
  t.equal(r.up.status.consecutiveFailures, 1);
  await r.nextAfter(0.5 * 1024, 'the first retry after a success uses initialMs again');
  t.same(r.stored, [1, 2]);
});

t.test('the jitter spans the whole range [0, cap]: the smallest and largest draws give 0 and the cap', async (t) => {
  for (const [draw, ms] of [
    [0, 0],
    [4095 / 4096, 4095],
  ] as const) {
    await t.test(`random() = ${draw}`, async (t) => {
      let failing = 1;
      const r = await rig(t, { records: 1, batchMax: 10, backoff: { initialMs: 4096, maxMs: 60_000 }, random: () => draw, answer: () => (failing-- > 0 ? refuse(500, 'internal') : undefined) });
      await r.nextAfter(ms, `delay for random() = ${draw}`);
    });
  }
});

t.test('429 and 503 Retry-After is honoured when it is longer than the backoff draw', async (t) => {
  for (const [status, code, seconds] of [
    [429, 'busy', 5],
    [503, 'busy', 2],
  ] as const) {
    await t.test(`${status} with Retry-After: ${seconds}`, async (t) => {
      let failing = 1;
      const r = await rig(t, {
        records: 3,
        batchMax: 10,
        backoff: { initialMs: 1000, maxMs: 60_000 },
        random: () => 0.5, // the backoff alone would retry after 500 ms
        answer: () => (failing-- > 0 ? refuse(status, code, seconds) : undefined),
      });
      t.match(r.up.status.lastError, new RegExp(String(status)));
      const next = await r.nextAfter(seconds * 1000, `after ${status}`);
      t.same(next, { from: 1, to: 3, items: 3 }, 'the same batch again');
      t.same(r.stored, [1, 2, 3]);
    });
  }
});

t.test('413 halves the batch until it fits, and the smaller batches go through', async (t) => {
  const K = 3;
  const r = await rig(t, { records: 20, batchMax: 16, answer: (c) => (c.items > K ? refuse(413, 'too-large') : undefined) });
  for (let i = 0; i < 500 && r.box.stats.ackedSeq < 20; i++) {
    mock.timers.tick(10);
    await flush();
  }
  t.equal(r.box.stats.ackedSeq, 20, 'the whole backlog was acknowledged');
  t.same(r.stored, Array.from({ length: 20 }, (_, i) => i + 1), 'every record arrived once, in order');
  t.same(r.calls.slice(0, 4).map((c) => c.items), [16, 8, 4, 2], 'each 413 halves the batch');
  const accepted = r.calls.filter((c) => c.items <= K);
  t.ok(accepted.length >= 20 / K, `${accepted.length} smaller batches went through`);
  t.equal(r.box.recordCount, 0);
  t.equal(r.up.status.lastError, null, 'a 413 that halving cures leaves no error');
});
