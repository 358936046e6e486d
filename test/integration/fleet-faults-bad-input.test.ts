import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import t, { type Test } from 'tap';
import { INGEST_PATH, MAX_BATCH_BYTES, MAX_BATCH_ITEMS, type WireRecord } from '../../src/fleet-wire/schema.js';
import { DeviceModel } from '../../src/collector/simulate/device-model.js';
import { hasPostgres, startPostgres } from '../helpers/postgres-lab.js';
import { addDevice, checkStored, cli, CollectorProcess, freeTcpPort, withStore } from './fleet-faults-lab.js';

/**
 * Bad input against the REAL collector process: every refusal is a clear wire error with the
 * documented status and code, counted by reason in /metrics, the collector keeps serving, and
 * the store holds exactly the good records (by sequence number and content) afterwards.
 */

const T0 = Date.UTC(2025, 0, 1);

function records(from: number, to: number): WireRecord[] {
  const m = new DeviceModel(77, { intervalS: 10, speedup: 1, meanFaultGapS: Infinity, startModelS: T0 / 1000 });
  const out: WireRecord[] = [];
  for (let seq = 1; seq <= to; seq++) {
    const s = m.step(T0 + seq * 10_000);
    if (seq >= from) out.push({ seq, kind: 'telemetry', at: s.at, body: s.telemetry });
  }
  return out;
}

/** lastSeq: the end of the batch unless `extra` says otherwise. */
const batch = (recs: WireRecord[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ v: 1, sentAt: T0, lastSeq: Math.max(0, ...recs.map((r) => r.seq)), records: recs, gaps: [], ...extra });

async function post(url: string, body: string | Buffer, headers: Record<string, string>, method = 'POST') {
  const r = await fetch(url + INGEST_PATH, { method, headers, ...(method === 'POST' ? { body } : {}), signal: AbortSignal.timeout(30_000) });
  const text = await r.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { unparsable: text.slice(0, 200) };
  }
  return { status: r.status, json };
}

async function badInput(t: Test, db: string): Promise<void> {
  const collector = new CollectorProcess(db, await freeTcpPort());
  await collector.start();
  t.teardown(() => collector.kill('SIGKILL'));
  const token = await addDevice(db, 'victim');
  const url = collector.url;
  const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const refused = (reason: string) => collector.metric(`stratum1d_collector_ingest_refused_total{reason="${reason}"}`);

  const expectRefusal = async (what: string, reason: string, status: number, code: string, send: () => ReturnType<typeof post>) => {
    const before = await refused(reason);
    const r = await send();
    t.equal(r.status, status, `${what}: HTTP ${status}`);
    t.equal(r.json.code, code, `${what}: code ${code}`);
    t.ok(typeof r.json.error === 'string' && (r.json.error as string).length > 10, `${what}: says why ("${String(r.json.error).slice(0, 100)}")`);
    t.equal(await refused(reason), before + 1, `${what}: counted as ${reason}`);
    return r;
  };

  await expectRefusal('no Authorization', 'unauthorized-missing', 401, 'unauthorized', () => post(url, batch(records(1, 1)), { 'content-type': 'application/json' }));
  await expectRefusal('unknown token', 'unauthorized-unknown', 401, 'unauthorized', () =>
    post(url, batch(records(1, 1)), { ...auth, authorization: 'Bearer s1d_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }),
  );
  await expectRefusal('not JSON', 'malformed-json', 400, 'malformed', () => post(url, '{"v":1,"records":[', auth));
  await expectRefusal('schema: a record with seq 0', 'malformed-schema', 400, 'malformed', () => post(url, batch([{ ...records(1, 1)[0]!, seq: 0 }]), auth));
  await expectRefusal('schema: wrong wire version', 'malformed-schema', 400, 'malformed', () => post(url, batch(records(1, 1), { v: 2 }), auth));
  await expectRefusal('not contiguous (1, 3)', 'malformed-sequence', 400, 'malformed', () => post(url, batch(records(1, 3).filter((r) => r.seq !== 2)), auth));
  await expectRefusal('the same number twice', 'malformed-sequence', 400, 'malformed', () => post(url, batch([...records(1, 1), ...records(1, 1)]), auth));
  await expectRefusal('more than MAX_BATCH_BYTES', 'too-large', 413, 'too-large', () =>
    post(url, batch(records(1, 1), { software: 'x'.repeat(MAX_BATCH_BYTES + 10) }), auth),
  );
  const many = Array.from({ length: MAX_BATCH_ITEMS + 1 }, (_, i) => ({ seq: i + 1, kind: 'event', at: T0, body: { type: 'daemon-start' } }));
  await expectRefusal('more than MAX_BATCH_ITEMS', 'too-large', 413, 'too-large', () => post(url, batch(many as WireRecord[]), auth));
  await expectRefusal('bad gzip', 'bad-encoding', 400, 'malformed', () => post(url, Buffer.from('not gzip at all'), { ...auth, 'content-encoding': 'gzip' }));
  const bomb = gzipSync(Buffer.alloc(MAX_BATCH_BYTES * 4, 0x20));
  await expectRefusal('a gzip bomb (4 MiB of spaces)', 'too-large', 413, 'too-large', () => post(url, bomb, { ...auth, 'content-encoding': 'gzip' }));

  // Nothing stored so far; now the good run 1..5, a replay, an overlap, and a run from the future.
  const stored0 = await collector.metric('stratum1d_collector_ingest_records_stored_total');
  t.equal(stored0, 0, 'nothing stored by refused batches');
  const good = await post(url, batch(records(1, 5)), auth);
  t.equal(good.status, 200);
  t.match(good.json, { ackedSeq: 5, stored: 5, duplicates: 0 }, 'the good batch is stored');
  const dups0 = await collector.metric('stratum1d_collector_ingest_duplicates_total');
  const replay = await post(url, gzipSync(batch(records(1, 5))), { ...auth, 'content-encoding': 'gzip' });
  t.equal(replay.status, 200, 'a replayed batch is acknowledged (the appliance lost the Ack)');
  t.match(replay.json, { ackedSeq: 5, stored: 0, duplicates: 5 }, 'and nothing is stored again');
  const overlap = await post(url, batch(records(4, 7)), auth);
  t.match(overlap.json, { ackedSeq: 7, stored: 2, duplicates: 2 }, 'an overlapping batch stores only what is new');
  t.equal(await collector.metric('stratum1d_collector_ingest_duplicates_total'), dups0 + 7, 'duplicates counted');
  const ahead = await expectRefusal('sequence numbers from the future (10..12 after 7)', 'sequence-ahead', 409, 'sequence-ahead', () => post(url, batch(records(10, 12)), auth));
  t.equal(ahead.json.ackedSeq, 7, 'the 409 says where to resume');

  // A replay with different content under the same numbers does not overwrite what is stored.
  const forged = records(6, 7).map((r) => ({ ...r, at: 1 }));
  const f = await post(url, batch(forged), auth);
  t.match(f.json, { ackedSeq: 7, stored: 0, duplicates: 2 }, 'same numbers, other content: duplicates, not stored');

  // The store as the collector left it (opened beside the running collector).
  await withStore(db, async (store) => {
    const s = await checkStored(store, 'victim');
    t.equal(s.lastSeq, 7, 'mark 7');
    t.equal(s.records, 7, 'records 1..7');
    t.equal(s.gapSeqs, 0, 'no gaps');
    t.same(s.missing, []);
    t.equal(s.duplicates, 0);
    const rows = await store.telemetry('victim', -8.64e15, 8.64e15, 'raw');
    const want = records(1, 7);
    t.same(
      rows.map((r) => ({ seq: r.seq, at: r.at, offset: r.body.offsetS })),
      want.map((r) => ({ seq: r.seq, at: r.at, offset: (r.body as { offsetS: unknown }).offsetS })),
      'stored content is what was first sent, byte for byte in the figures',
    );
  });

  // Numbers past what the appliance says it has assigned (lastSeq): one such gap, stored, would
  // move the mark to 9e15 and make every later real record a "duplicate".
  const storedBefore = await collector.metric('stratum1d_collector_ingest_records_stored_total');
  const gapSeqsBefore = await collector.metric('stratum1d_collector_ingest_gap_sequences_total');
  const far = await expectRefusal('a gap far beyond lastSeq (8..9e15, lastSeq 12)', 'malformed-beyond-last-seq', 400, 'malformed', () =>
    post(url, batch([], { lastSeq: 12, gaps: [{ from: 8, to: 9e15, reason: 'retention-age' }] }), auth),
  );
  t.match(far.json.error, /9000000000000000.*lastSeq.* 12/, 'the refusal names the numbers');
  await expectRefusal('lastSeq below the end of the batch (8..10, lastSeq 9)', 'malformed-beyond-last-seq', 400, 'malformed', () => post(url, batch(records(8, 10), { lastSeq: 9 }), auth));
  t.equal(await collector.metric('stratum1d_collector_ingest_records_stored_total'), storedBefore, 'no record stored by them');
  t.equal(await collector.metric('stratum1d_collector_ingest_gap_sequences_total'), gapSeqsBefore, 'no gap stored by them');
  await withStore(db, async (store) => {
    t.match((await store.devices()).find((d) => d.name === 'victim'), { lastSeq: 7, gaps: 0 }, 'the mark is still 7');
    t.same(await store.gapRuns('victim'), [], 'no gap run');
  });
  const next = await post(url, batch(records(8, 12), { lastSeq: 12 }), auth);
  t.equal(next.status, 200, 'the next real batch is accepted');
  t.match(next.json, { ackedSeq: 12, stored: 5, duplicates: 0, gapsStored: 0 }, 'and stored, not taken for duplicates');
  await withStore(db, async (store) => {
    const mark = (await store.devices()).find((d) => d.name === 'victim')?.lastSeq ?? -1;
    t.equal(mark, 12, 'mark 12');
    if (mark !== 12) return; // checkStored walks every number up to the mark
    const s = await checkStored(store, 'victim');
    t.match(s, { records: 12, gapSeqs: 0, missing: [], duplicates: 0 }, 'records 1..12, nothing else');
  });

  // Revoked: the token stops working; the history stays.
  const rm = await cli(['collector', 'remove-device', 'victim', '--db', db]);
  t.equal(rm.code, 0, 'remove-device');
  await expectRefusal('revoked token', 'unauthorized-unknown', 401, 'unauthorized', () => post(url, batch(records(8, 8)), auth));
  await expectRefusal('GET on the ingest route', 'method', 405, 'malformed', () => post(url, '', auth, 'GET'));

  const health = await fetch(`${url}/health`);
  t.ok(health.status === 200 || health.status === 503, 'the collector still answers /health');
  t.equal(collector.child!.exitCode, null, 'and is still running');

  await collector.kill('SIGTERM');
}

t.test('bad input, collector on SQLite', { timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 's1d-fleet-bad-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await badInput(t, join(dir, 'fleet.db'));
});

t.test('bad input, collector on PostgreSQL', { skip: hasPostgres ? false : 'no PostgreSQL binaries', timeout: 300_000 }, async (t) => {
  const pg = await startPostgres(t);
  await badInput(t, pg.url);
});
