import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import t, { type Test } from 'tap';
import { createIngest, type IngestRequest, type RefusalReason } from '../../../src/collector/ingest.js';
import { hashDeviceToken } from '../../../src/collector/device-tokens.js';
import type { FleetStore } from '../../../src/collector/store/fleet-store.js';
import { SqliteStore } from '../../../src/collector/store/sqlite-store.js';
import { MAX_BATCH_BYTES, MAX_BATCH_ITEMS, type WireRecord } from '../../../src/fleet-wire/schema.js';
import { eventRecord, telemetryRecord } from '../../helpers/fleet-store-conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'fleet-ingest-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const NOW = Date.UTC(2025, 2, 1);
const silent = { info() {}, warn() {}, error() {} };

async function setup(t: Test, opts: { maxInFlight?: number; store?: FleetStore } = {}) {
  const store = opts.store ?? SqliteStore.open(join(dir, `ingest-${++n}.db`));
  t.teardown(() => store.close());
  await store.addDevice('pi', hashDeviceToken('tok-pi'), null, NOW - 1000);
  await store.addDevice('old', hashDeviceToken('tok-old'), NOW - 1, NOW - 1000);
  await store.addDevice('gone', hashDeviceToken('tok-gone'), null, NOW - 1000);
  await store.removeDevice('gone');
  const ingest = createIngest({ store, now: () => NOW, log: silent, ...(opts.maxInFlight !== undefined ? { maxInFlight: opts.maxInFlight } : {}) });
  const snapshot = async () => ({
    devices: await store.devices(),
    raw: await store.telemetry('pi', 0, 1e15, 'raw'),
    events: await store.events(null, 0, 10_000),
    gaps: await store.gapRuns('pi'),
  });
  return { store, ingest, snapshot };
}

function req(body: unknown, over: Partial<IngestRequest> = {}): IngestRequest {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return {
    method: 'POST',
    authorization: 'Bearer tok-pi',
    contentType: 'application/json',
    contentEncoding: undefined,
    contentLength: String(buf.length),
    body: (async function* () {
      for (let i = 0; i < buf.length; i += 65_536) yield buf.subarray(i, i + 65_536);
    })(),
    ...over,
  };
}

/** lastSeq defaults to the end of the batch, as an appliance sending everything it has would say. */
const endOf = (records: WireRecord[], gaps: unknown[]) => Math.max(0, ...records.map((r) => r.seq), ...gaps.map((g) => (g as { to: number }).to));
const batch = (records: WireRecord[], gaps: unknown[] = [], lastSeq = endOf(records, gaps)) => ({ v: 1, sentAt: NOW, software: '0.1.0', lastSeq, records, gaps });

function onlyRefusal(t: Test, refused: Record<RefusalReason, number>, reason: RefusalReason): void {
  const nonZero = Object.entries(refused).filter(([, v]) => v > 0);
  t.same(nonZero, [[reason, 1]], `counted once, as ${reason}`);
}

t.test('a valid batch is stored and acknowledged; the replay is all duplicates', async (t) => {
  const { ingest, snapshot } = await setup(t);
  const b = batch([telemetryRecord(1, NOW - 20_000), telemetryRecord(2, NOW - 10_000), eventRecord(3, NOW - 5000)]);
  const r = await ingest.ingestRequest(req(b));
  t.equal(r.status, 200);
  t.same(r.body, { ackedSeq: 3, stored: 3, duplicates: 0, gapsStored: 0, receivedAt: NOW });
  const again = await ingest.ingestRequest(req(b));
  t.same(again.body, { ackedSeq: 3, stored: 0, duplicates: 3, gapsStored: 0, receivedAt: NOW });
  const s = ingest.stats();
  t.match(s, { accepted: 2, recordsStored: 3, duplicates: 3, inFlight: 0 });
  t.equal(s.latency.count, 2);
  t.ok(Object.values(s.refused).every((v) => v === 0), 'nothing refused');
  const snap = await snapshot();
  t.equal(snap.raw.length, 2);
  t.equal(snap.events.length, 1);
  t.match(snap.devices.find((d) => d.name === 'pi'), { lastSeq: 3, stored: 3, software: '0.1.0', lastSeen: NOW });
});

t.test('gzip bodies are accepted', async (t) => {
  const { ingest } = await setup(t);
  const r = await ingest.ingestRequest(req(gzipSync(JSON.stringify(batch([telemetryRecord(1, NOW)]))), { contentEncoding: 'gzip' }));
  t.equal(r.status, 200);
  t.match(r.body, { ackedSeq: 1, stored: 1 });
});

t.test('a sequence from the future is 409 with ackedSeq, and nothing is stored', async (t) => {
  const { ingest, snapshot } = await setup(t);
  t.equal((await ingest.ingestRequest(req(batch([telemetryRecord(1, NOW)])))).status, 200);
  const before = await snapshot();
  const r = await ingest.ingestRequest(req(batch([telemetryRecord(5, NOW), telemetryRecord(6, NOW)])));
  t.equal(r.status, 409);
  t.match(r.body, { code: 'sequence-ahead', ackedSeq: 1, error: /resend from 2/ });
  t.same(await snapshot(), before, 'store unchanged');
  onlyRefusal(t, ingest.stats().refused, 'sequence-ahead');
});

t.test('a gap far past lastSeq is refused, counted, and leaves the mark alone; the next real batch is stored', async (t) => {
  const { ingest, snapshot } = await setup(t);
  t.equal((await ingest.ingestRequest(req(batch([telemetryRecord(1, NOW), telemetryRecord(2, NOW)])))).status, 200);
  const before = await snapshot();
  const r = await ingest.ingestRequest(req(batch([telemetryRecord(3, NOW)], [{ from: 4, to: 9e15, reason: 'retention-age' }], 3)));
  t.equal(r.status, 400);
  t.match(r.body, { code: 'malformed', error: /runs to 9000000000000000 \(gap 4\.\.9000000000000000\).*lastSeq.* is 3/ });
  t.notOk('ackedSeq' in r.body, 'no mark to resume from: the batch itself is wrong');
  onlyRefusal(t, ingest.stats().refused, 'malformed-beyond-last-seq');
  t.same(await snapshot(), before, 'store unchanged');
  t.match(before.devices.find((d) => d.name === 'pi'), { lastSeq: 2, gaps: 0 }, 'the mark stays at 2');

  const next = await ingest.ingestRequest(req(batch([telemetryRecord(3, NOW), telemetryRecord(4, NOW)], [], 4)));
  t.equal(next.status, 200);
  t.same(next.body, { ackedSeq: 4, stored: 2, duplicates: 0, gapsStored: 0, receivedAt: NOW }, 'stored, not taken for duplicates');
  const after = await snapshot();
  t.same(after.raw.map((row) => row.seq), [1, 2, 3, 4]);
  t.match(after.devices.find((d) => d.name === 'pi'), { lastSeq: 4, gaps: 0 });
});

interface Case {
  name: string;
  request: () => IngestRequest;
  status: number;
  code: string;
  reason: RefusalReason;
  error?: RegExp;
  close?: boolean;
}

const big = Buffer.alloc(MAX_BATCH_BYTES + 10, 0x20);
const cases: Case[] = [
  { name: 'no Authorization header', request: () => req(batch([telemetryRecord(1, NOW)]), { authorization: undefined }), status: 401, code: 'unauthorized', reason: 'unauthorized-missing', close: true },
  { name: 'not a bearer token', request: () => req(batch([telemetryRecord(1, NOW)]), { authorization: 'Basic cGk6cGk=' }), status: 401, code: 'unauthorized', reason: 'unauthorized-missing' },
  { name: 'an unknown token', request: () => req(batch([telemetryRecord(1, NOW)]), { authorization: 'Bearer s1d_nope' }), status: 401, code: 'unauthorized', reason: 'unauthorized-unknown' },
  { name: 'a revoked token', request: () => req(batch([telemetryRecord(1, NOW)]), { authorization: 'Bearer tok-gone' }), status: 401, code: 'unauthorized', reason: 'unauthorized-unknown' },
  { name: 'an expired token', request: () => req(batch([telemetryRecord(1, NOW)]), { authorization: 'Bearer tok-old' }), status: 401, code: 'unauthorized', reason: 'unauthorized-expired', error: /expired/ },
  { name: 'GET instead of POST', request: () => req('', { method: 'GET' }), status: 405, code: 'malformed', reason: 'method' },
  { name: 'not JSON', request: () => req('{"v":1,'), status: 400, code: 'malformed', reason: 'malformed-json', error: /not JSON/ },
  {
    name: 'a schema violation names its path',
    request: () => {
      const rec = telemetryRecord(1, NOW);
      (rec.body as { offsetS: { rms: number } }).offsetS.rms = -1;
      return req(batch([rec]));
    },
    status: 400,
    code: 'malformed',
    reason: 'malformed-schema',
    error: /records\.0\.body\.offsetS\.rms: rms must be >= 0/,
  },
  { name: 'an unknown wire version', request: () => req({ ...batch([]), v: 2 }), status: 400, code: 'malformed', reason: 'malformed-schema', error: /^invalid batch: v:/ },
  { name: 'a sequence number twice', request: () => req(batch([telemetryRecord(1, NOW), telemetryRecord(1, NOW)])), status: 400, code: 'malformed', reason: 'malformed-sequence', error: /appears twice/ },
  { name: 'a hole in the run', request: () => req(batch([telemetryRecord(1, NOW), telemetryRecord(3, NOW)])), status: 400, code: 'malformed', reason: 'malformed-sequence', error: /not contiguous/ },
  {
    name: 'a record past lastSeq',
    request: () => req(batch([telemetryRecord(1, NOW), telemetryRecord(2, NOW)], [], 1)),
    status: 400,
    code: 'malformed',
    reason: 'malformed-beyond-last-seq',
    error: /runs to 2 \(record 2\).*lastSeq.* is 1/,
  },
  {
    name: 'no lastSeq',
    request: () => {
      const { lastSeq: _, ...rest } = batch([telemetryRecord(1, NOW)]);
      return req(rest);
    },
    status: 400,
    code: 'malformed',
    reason: 'malformed-schema',
    error: /lastSeq/,
  },
  { name: 'a declared Content-Length over the limit', request: () => req('{}', { contentLength: String(MAX_BATCH_BYTES + 1) }), status: 413, code: 'too-large', reason: 'too-large', close: true },
  { name: 'a streamed body over the limit', request: () => req(big, { contentLength: undefined }), status: 413, code: 'too-large', reason: 'too-large', close: true },
  {
    name: 'a gzip bomb',
    request: () => req(gzipSync(Buffer.alloc(MAX_BATCH_BYTES * 4, 0x20)), { contentEncoding: 'gzip' }),
    status: 413,
    code: 'too-large',
    reason: 'too-large',
    error: /decompressed/,
  },
  {
    name: 'more than MAX_BATCH_ITEMS records',
    request: () => req(batch(Array.from({ length: MAX_BATCH_ITEMS + 1 }, (_, i) => ({ seq: i + 1, kind: 'event', at: NOW, body: { type: 'daemon-start' } }) as WireRecord))),
    status: 413,
    code: 'too-large',
    reason: 'too-large',
    error: /1001 items/,
  },
  { name: 'bad gzip', request: () => req('not gzip', { contentEncoding: 'gzip' }), status: 400, code: 'malformed', reason: 'bad-encoding', error: /gzip/ },
  { name: 'an unsupported encoding', request: () => req('{}', { contentEncoding: 'br' }), status: 400, code: 'malformed', reason: 'bad-encoding' },
  { name: 'not application/json', request: () => req(batch([]), { contentType: 'text/plain' }), status: 400, code: 'malformed', reason: 'bad-content-type' },
];

for (const c of cases) {
  t.test(`refused, counted, nothing stored: ${c.name}`, async (t) => {
    const { ingest, snapshot } = await setup(t);
    const before = await snapshot();
    const r = await ingest.ingestRequest(c.request());
    t.equal(r.status, c.status);
    t.match(r.body, { code: c.code });
    if (c.error) t.match((r.body as { error: string }).error, c.error);
    if (c.close !== undefined) t.equal(r.close, c.close, 'connection handling');
    onlyRefusal(t, ingest.stats().refused, c.reason);
    t.equal(ingest.stats().accepted, 0);
    t.equal(ingest.stats().inFlight, 0);
    t.same(await snapshot(), before, 'store unchanged');
  });
}

t.test('too many batches in flight: 503 busy with Retry-After', async (t) => {
  const { ingest, snapshot } = await setup(t, { maxInFlight: 0 });
  const before = await snapshot();
  const r = await ingest.ingestRequest(req(batch([telemetryRecord(1, NOW)])));
  t.equal(r.status, 503);
  t.equal(r.headers['retry-after'], '1');
  t.match(r.body, { code: 'busy' });
  onlyRefusal(t, ingest.stats().refused, 'busy');
  t.same(await snapshot(), before);
});

t.test('store failures: transient → 503 busy, others → 500 internal; counted', async (t) => {
  const real = SqliteStore.open(join(dir, `ingest-${++n}.db`));
  let fail: Error | null = null;
  // The real store with ingest() failing on demand (a wrapper of the interface, not a module mock).
  const proxy = new Proxy(real, {
    get(target, prop, recv) {
      if (prop === 'ingest' && fail) return async () => Promise.reject(fail);
      const v = Reflect.get(target, prop, recv);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  const { ingest } = await setup(t, { store: proxy });
  fail = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
  const busy = await ingest.ingestRequest(req(batch([telemetryRecord(1, NOW)])));
  t.equal(busy.status, 503);
  t.equal(busy.headers['retry-after'], '5');
  fail = new Error('disk I/O error');
  const internal = await ingest.ingestRequest(req(batch([telemetryRecord(1, NOW)])));
  t.equal(internal.status, 500);
  t.match(internal.body, { code: 'internal' });
  t.match(ingest.stats().refused, { busy: 1, 'store-error': 1 });
  fail = null;
  t.equal((await ingest.ingestRequest(req(batch([telemetryRecord(1, NOW)])))).status, 200, 'recovers');
});

t.test('a body cut off mid-stream is counted, nothing stored', async (t) => {
  const { ingest, snapshot } = await setup(t);
  const before = await snapshot();
  const r = await ingest.ingestRequest(
    req('', {
      body: (async function* () {
        yield Buffer.from('{"v":1,"sentAt":');
        throw Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
      })(),
    }),
  );
  t.equal(r.status, 400);
  onlyRefusal(t, ingest.stats().refused, 'client-aborted');
  t.same(await snapshot(), before);
});
