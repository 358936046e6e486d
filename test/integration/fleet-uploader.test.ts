import t from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { DaemonProcess, eventually, simulatedDaemonWithConfig, tempDir } from '../helpers/daemon-process.js';
import { batchItems, batchSchema, INGEST_PATH, type Gap, type WireRecord } from '../../src/fleet-wire/schema.js';

/**
 * The built daemon on its simulator, uploading to a real HTTP collector written here: a stub
 * that implements the wire contract (src/fleet-wire/schema.ts) with an in-memory high-water
 * mark. Nothing is asserted on wall-clock time: every step waits for a condition.
 */

const TOKEN = 'test-device-token-0123456789';
type Mode = 'ok' | '503' | 'hang' | 'drop-ack' | '401' | 'retry-after';

class StubCollector {
  mode: Mode = 'ok';
  acked = 0;
  readonly records = new Map<number, WireRecord>();
  readonly gaps: Gap[] = [];
  /** A resent record must be the same record: a number is never reused for another. */
  readonly conflicts: string[] = [];
  duplicates = 0;
  readonly answered: Record<string, number> = {};
  hung = 0;
  /** 'retry-after' mode: one 429 with this Retry-After (seconds), then 'ok'. */
  retryAfterS = 0;
  /** Batches with more items are refused 413 too-large (null: no limit). */
  maxItems: number | null = null;
  /** Each ingest request as received: when (performance.now()), how many items, the answer. */
  readonly received: Array<{ at: number; items: number; status: number }> = [];
  readonly #server: http.Server;
  readonly #hanging = new Set<http.ServerResponse>();
  url = '';

  constructor() {
    this.#server = http.createServer((req, res) => void this.#handle(req, res));
  }

  async start(): Promise<void> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const r of this.#hanging) r.destroy();
    this.#server.closeAllConnections();
    await new Promise((r) => this.#server.close(r));
  }

  /** The collector loses everything above `seq` (a database restored from a backup). */
  forget(seq: number): void {
    this.acked = seq;
    for (const k of [...this.records.keys()]) if (k > seq) this.records.delete(k);
    for (let i = this.gaps.length - 1; i >= 0; i--) if (this.gaps[i]!.to > seq) this.gaps.splice(i, 1);
  }

  #count(what: string): void {
    this.answered[what] = (this.answered[what] ?? 0) + 1;
  }

  #json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    this.#count(String(status));
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method !== 'POST' || req.url !== INGEST_PATH) return this.#json(res, 404, { error: 'not found', code: 'malformed' });
    if (this.mode === 'hang') {
      this.hung++;
      this.#hanging.add(res);
      return; // never answers: the appliance's request timeout must end it
    }
    if (this.mode === '503') return this.#json(res, 503, { error: 'busy', code: 'busy' }, { 'retry-after': '0' });
    if (this.mode === '401' || req.headers.authorization !== `Bearer ${TOKEN}`) return this.#json(res, 401, { error: 'unknown token', code: 'unauthorized' });
    const parsed = batchSchema.safeParse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    if (!parsed.success) return this.#json(res, 400, { error: parsed.error.message, code: 'malformed' });
    const sorted = batchItems(parsed.data);
    if ('error' in sorted) return this.#json(res, 400, { error: sorted.error, code: 'malformed' });
    const items = sorted.items;
    const seen = { at: performance.now(), items: items.length, status: 200 };
    this.received.push(seen);
    if (this.mode === 'retry-after') {
      this.mode = 'ok';
      seen.status = 429;
      return this.#json(res, 429, { error: 'slow down', code: 'busy' }, { 'retry-after': String(this.retryAfterS) });
    }
    if (this.maxItems !== null && items.length > this.maxItems) {
      seen.status = 413;
      return this.#json(res, 413, { error: `more than ${this.maxItems} items`, code: 'too-large' });
    }
    if (items.length && items[0]!.from > this.acked + 1) return this.#json(res, 409, { error: `expected ${this.acked + 1}`, code: 'sequence-ahead', ackedSeq: this.acked });
    let stored = 0;
    let gapsStored = 0;
    for (const it of items) {
      if (it.to <= this.acked) {
        if (it.kind === 'record') {
          this.duplicates++;
          const had = this.records.get(it.from);
          if (had && JSON.stringify(had) !== JSON.stringify(it.record)) this.conflicts.push(`seq ${it.from} resent with different content`);
        }
        continue;
      }
      if (it.kind === 'record') {
        this.records.set(it.from, it.record);
        stored++;
      } else {
        this.gaps.push(it.gap);
        gapsStored++;
      }
      this.acked = it.to;
    }
    if (this.mode === 'drop-ack') {
      // Stored, but the acknowledgement never reaches the appliance: it must resend, and the resend is a duplicate.
      this.#count('dropped-ack');
      req.socket.destroy();
      return;
    }
    this.#json(res, 200, { ackedSeq: this.acked, stored, duplicates: items.length - stored - gapsStored, gapsStored, receivedAt: Date.now() });
  }

  /** Every number 1..acked is exactly one stored record or inside exactly one gap. */
  coverage(): { ok: boolean; why: string } {
    const cover = new Map<number, string>();
    for (const [seq] of this.records) cover.set(seq, 'record');
    for (const g of this.gaps) {
      for (let s = g.from; s <= g.to; s++) {
        if (cover.has(s)) return { ok: false, why: `seq ${s} both ${cover.get(s)} and gap` };
        cover.set(s, `gap:${g.reason}`);
      }
    }
    for (let s = 1; s <= this.acked; s++) if (!cover.has(s)) return { ok: false, why: `seq ${s} missing` };
    if (cover.size !== this.acked) return { ok: false, why: `${cover.size} covered, acked ${this.acked}` };
    return { ok: true, why: '' };
  }

  events(type: string): WireRecord[] {
    return [...this.records.values()].filter((r) => r.kind === 'event' && r.body.type === type).sort((a, b) => a.seq - b.seq);
  }
}

interface FleetJson {
  enabled: boolean;
  lastSeq: number;
  ackedSeq: number;
  backlog: number;
  lastError: string | null;
  consecutiveFailures: number;
  outboxError: string | null;
}

async function fleetStatus(d: DaemonProcess): Promise<{ fleet: FleetJson; state: { fleet: FleetJson; alarms: { active: Array<{ id: string }> } } } | undefined> {
  const r = await d.status('--json');
  if (r.code !== 0) return undefined;
  return JSON.parse(r.stdout) as { fleet: FleetJson; state: { fleet: FleetJson; alarms: { active: Array<{ id: string }> } } };
}

function startDaemon(dir: string, url: string): DaemonProcess {
  return new DaemonProcess(['run', '--simulate'], dir, {
    STRATUM1D_TIMEKEEPER__KIND: 'none',
    STRATUM1D_FLEET__URL: url,
    STRATUM1D_FLEET__TOKEN: TOKEN,
    STRATUM1D_FLEET__INTERVAL_S: '1',
    STRATUM1D_FLEET__BATCH_MAX: '5', // small batches: a backlog takes several, paced
    STRATUM1D_FLEET__MAX_RATE_PER_S: '50',
    STRATUM1D_FLEET__TIMEOUT_MS: '1000',
    STRATUM1D_FLEET__BACKOFF__INITIAL_MS: '50',
    STRATUM1D_FLEET__BACKOFF__MAX_MS: '500',
  });
}

t.test('records reach a real HTTP collector numbered 1..N, acks delete, restarts continue the numbering, failures lose and duplicate nothing', async (t) => {
  const collector = new StubCollector();
  await collector.start();
  t.teardown(() => collector.stop());
  const dir = tempDir();
  let d = startDaemon(dir, collector.url);
  t.teardown(() => d.stop('SIGKILL'));

  // 1. Delivery: contiguous from 1, the first record is daemon-start; status --json shows it.
  await eventually(() => (collector.acked >= 6 ? true : undefined), 60_000, 'six records at the collector');
  t.same([...collector.records.keys()].sort((a, b) => a - b).slice(0, 6), [1, 2, 3, 4, 5, 6], 'numbered from 1, contiguous');
  t.equal(collector.records.get(1)?.kind, 'event');
  t.equal(collector.records.get(1)?.kind === 'event' && collector.records.get(1)!.body.type, 'daemon-start');
  const tele = [...collector.records.values()].find((r) => r.kind === 'telemetry');
  t.ok(tele, 'telemetry records arrive');
  t.equal(tele?.kind === 'telemetry' && tele.body.gnss.mode !== undefined, true);

  const st = await eventually(async () => {
    const s = await fleetStatus(d);
    return s && s.fleet.ackedSeq >= 6 ? s : undefined;
  }, 30_000, 'status --json with fleet.ackedSeq');
  t.same(st.fleet, st.state.fleet, 'status --json: fleet is state.fleet');
  t.equal(st.fleet.enabled, true);
  t.equal(st.fleet.lastError, null);
  t.ok(st.fleet.lastSeq >= st.fleet.ackedSeq);

  // Acknowledged records are deleted from the outbox (a second connection reads the WAL database).
  const outboxPath = join(dir, 'state', 'fleet-outbox.db');
  const acks = await eventually(() => {
    const db = new Database(outboxPath, { readonly: true, fileMustExist: true });
    try {
      const acked = (db.prepare("SELECT value FROM meta WHERE key = 'acked_seq'").get() as { value: number }).value;
      const minSeq = (db.prepare('SELECT MIN(seq) AS m FROM records').get() as { m: number | null }).m;
      return acked >= 6 ? { acked, minSeq } : undefined;
    } finally {
      db.close();
    }
  }, 30_000, 'the outbox acknowledged mark');
  t.ok(acks.minSeq === null || acks.minSeq > acks.acked, `nothing at or below the acknowledged mark ${acks.acked} is kept (oldest held: ${acks.minSeq})`);

  // 2. 503, then a hung collector, then acknowledgements that never arrive: retried, nothing lost or duplicated.
  collector.mode = '503';
  const failing = await eventually(async () => {
    const s = await fleetStatus(d);
    return s && s.fleet.consecutiveFailures >= 2 && s.fleet.lastSeq > collector.acked ? s : undefined;
  }, 30_000, 'failures counted while the collector answers 503');
  t.match(failing.fleet.lastError, /503/);
  collector.mode = 'hang';
  await eventually(async () => {
    const s = await fleetStatus(d);
    return collector.hung >= 1 && s && /no answer within/.test(s.fleet.lastError ?? '') ? true : undefined;
  }, 30_000, 'a hung request abandoned by the uploader\'s timeout');
  collector.mode = 'drop-ack';
  await eventually(() => ((collector.answered['dropped-ack'] ?? 0) >= 2 ? true : undefined), 30_000, 'acknowledgements lost after storing');
  collector.mode = 'ok';
  await eventually(async () => {
    const s = await fleetStatus(d);
    return s && s.fleet.backlog === 0 && s.fleet.ackedSeq === s.fleet.lastSeq && collector.acked === s.fleet.lastSeq ? true : undefined;
  }, 60_000, 'the backlog drained after the faults');
  t.ok(collector.duplicates >= 1, `resent records after lost acks were recognised as duplicates (${collector.duplicates})`);
  t.same(collector.conflicts, [], 'a resend is the same record under the same number');
  t.same(collector.coverage(), { ok: true, why: '' }, 'every number stored exactly once');
  t.same(collector.gaps, [], 'no gaps: nothing was dropped');

  // 3. 409: the collector lost its last records; the appliance resends from its mark, and what it
  //    had already deleted after the acknowledgement is reported as a `lost` gap, not skipped.
  const before = collector.acked;
  const forgetTo = before - 3;
  collector.forget(forgetTo);
  await eventually(() => ((collector.answered['409'] ?? 0) >= 1 && collector.acked > before ? true : undefined), 60_000, 'a 409 answered by a resend');
  const lost = collector.gaps.find((g) => g.reason === 'lost');
  t.ok(lost, 'the numbers the outbox no longer held came as a lost gap');
  t.equal(lost?.from, forgetTo + 1, 'from just after the collector\'s mark');
  t.ok(lost && lost.to >= forgetTo + 1 && lost.to <= before, `to at most what it had acknowledged (${lost?.to})`);
  t.same(collector.coverage(), { ok: true, why: '' });

  // 4. A restart continues the numbering; daemon-stop and the partial interval are kept.
  const lastBefore = (await fleetStatus(d))!.fleet.lastSeq;
  const stopped = await d.stop('SIGTERM');
  t.equal(stopped.code, 0);
  d = startDaemon(dir, collector.url);
  const restart = await eventually(() => {
    const starts = collector.events('daemon-start');
    return starts.length >= 2 ? starts[starts.length - 1] : undefined;
  }, 60_000, 'the second daemon-start at the collector');
  t.ok(restart.seq > lastBefore, `numbering continues after the restart (${restart.seq} > ${lastBefore})`);
  const stops = collector.events('daemon-stop');
  t.equal(stops.length, 1, 'daemon-stop recorded once');
  t.ok(stops[0]!.seq < restart.seq && stops[0]!.seq > lastBefore, 'daemon-stop comes between the runs');
  t.same(collector.coverage(), { ok: true, why: '' });

  // 5. A refused token: alarm-worthy lastError in status --json, retried until it works again.
  collector.mode = '401';
  const refused = await eventually(async () => {
    const s = await fleetStatus(d);
    return s && s.fleet.lastError && /401/.test(s.fleet.lastError) ? s : undefined;
  }, 30_000, '401 in status --json');
  t.match(refused.fleet.lastError, /refused the device token/);
  t.ok(refused.fleet.consecutiveFailures >= 1);
  const text = await d.status();
  t.match(text.stdout, /fleet +http:\/\/127\.0\.0\.1:\d+\/: seq \d+, acked \d+, backlog \d+.*refused the device token/, 'the human status has a fleet line');
  collector.mode = 'ok';
  await eventually(async () => {
    const s = await fleetStatus(d);
    return s && s.fleet.lastError === null && s.fleet.ackedSeq === s.fleet.lastSeq && collector.acked === s.fleet.lastSeq ? true : undefined;
  }, 60_000, 'delivery resumed after the token was accepted again');
  t.same(collector.conflicts, []);
  t.same(collector.coverage(), { ok: true, why: '' });
  t.same(collector.gaps.map((g) => g.reason), ['lost'], 'the only gap is the one the collector itself caused');
  t.equal(d.stdout, '', 'nothing on stdout');
  t.notOk(d.stderrLines.some((l) => l.includes(TOKEN)), 'the token is never logged');
});

t.test('429 Retry-After is waited out; 413 too-large halves the batch until it fits', async (t) => {
  const collector = new StubCollector();
  await collector.start();
  t.teardown(() => collector.stop());
  const d = new DaemonProcess(['run', '--simulate'], tempDir(), {
    STRATUM1D_TIMEKEEPER__KIND: 'none',
    STRATUM1D_FLEET__URL: collector.url,
    STRATUM1D_FLEET__TOKEN: TOKEN,
    STRATUM1D_FLEET__INTERVAL_S: '1',
    STRATUM1D_FLEET__BATCH_MAX: '8',
    STRATUM1D_FLEET__MAX_RATE_PER_S: '1000',
    STRATUM1D_FLEET__BACKOFF__INITIAL_MS: '50', // a backoff draw alone is at most 50 ms at the first failure
    STRATUM1D_FLEET__BACKOFF__MAX_MS: '10000', // Retry-After is honoured up to the longest backoff
  });
  t.teardown(() => d.stop('SIGKILL'));
  await eventually(() => (collector.acked >= 2 ? true : undefined), 60_000, 'delivery working');

  // One 429 with Retry-After: 5; while the appliance waits, records pile up into a batch larger
  // than the collector now accepts (2 items), which it must split.
  const K = 2;
  const RETRY_AFTER_S = 5;
  collector.retryAfterS = RETRY_AFTER_S;
  collector.maxItems = K;
  collector.mode = 'retry-after';
  const i429 = await eventually(async () => {
    const i = collector.received.findIndex((r) => r.status === 429);
    if (i < 0 || collector.received.length < i + 3) return undefined;
    const s = await fleetStatus(d);
    return s && s.fleet.backlog === 0 && s.fleet.lastError === null && collector.acked === s.fleet.ackedSeq ? i : undefined;
  }, 60_000, 'the backlog after the 429 sent');
  const after = collector.received[i429 + 1]!;
  const waited = after.at - collector.received[i429]!.at;
  t.ok(waited >= RETRY_AFTER_S * 1000 - 50, `the next attempt came ${Math.round(waited)} ms after the 429, not before Retry-After (${RETRY_AFTER_S} s)`);
  t.ok(after.items > K, `the batch after the wait held the backlog (${after.items} items)`);
  t.equal(after.status, 413, 'and was refused as too large');
  const accepted = collector.received.slice(i429 + 1).filter((r) => r.status === 200);
  t.ok(accepted.length >= 2, `${accepted.length} smaller batches went through`);
  t.ok(accepted.every((r) => r.items <= K), 'every accepted batch fits the limit');
  t.same(collector.conflicts, []);
  t.same(collector.coverage(), { ok: true, why: '' }, 'every number stored exactly once');
  t.same(collector.gaps, [], 'nothing dropped');
});

t.test('a reload that moves fleet.url restarts the uploader on the same outbox: numbering goes on, the move is recorded', async (t) => {
  const a = new StubCollector();
  const b = new StubCollector();
  await a.start();
  await b.start();
  t.teardown(() => a.stop());
  t.teardown(() => b.stop());
  const fleetYaml = (url: string) => `timekeeper:\n  kind: none\nfleet:\n  url: ${url}\n  token: ${TOKEN}\n  intervalS: 1\n  timeoutMs: 1000\n  backoff:\n    initialMs: 50\n    maxMs: 500\n`;
  const { d, cfg } = await simulatedDaemonWithConfig(t, fleetYaml(a.url));
  await eventually(() => (a.acked >= 4 ? true : undefined), 60_000, 'records at the first collector');

  writeFileSync(cfg, fleetYaml(b.url));
  d.child.kill('SIGHUP');
  await eventually(() => d.logs().find((r) => r.msg === 'configuration reloaded'), 20_000, 'configuration reloaded');
  const movedAt = a.acked;
  const st = await eventually(async () => {
    const s = await fleetStatus(d);
    return s && b.acked > movedAt + 3 && s.fleet.ackedSeq === b.acked && s.fleet.lastError === null ? s : undefined;
  }, 60_000, 'records at the second collector, acknowledged');
  t.equal(a.acked, movedAt, 'the first collector hears nothing after the reload');
  t.ok(st.fleet.lastSeq > movedAt, `numbering went on from the same outbox (lastSeq ${st.fleet.lastSeq}, ${movedAt} sent before the move)`);
  // The second collector never had 1..movedAt: they were acknowledged and deleted, so they come
  // as one explicit `lost` gap (that collector's record of the loss), then the records go on.
  t.same(b.gaps.map((g) => [g.from, g.reason]), [[1, 'lost']], 'one lost gap from 1');
  t.ok(b.gaps[0]!.to >= movedAt && b.gaps[0]!.to < st.fleet.lastSeq, `the gap ends where the first collector's acknowledgements did (${b.gaps[0]!.to}, first collector ${movedAt})`);
  t.same(b.coverage(), { ok: true, why: '' }, 'every number at the second collector stored once or in the gap');
  t.same([...a.conflicts, ...b.conflicts], []);
  const moved = [...a.events('config-changed'), ...b.events('config-changed')].map((r) => (r.kind === 'event' ? r.body.message : ''));
  t.ok(moved.includes('fleet settings changed: uploader restarted'), `the restart is recorded as an event (${JSON.stringify(moved)})`);
  t.equal([...a.events('daemon-start'), ...b.events('daemon-start')].length, 1, 'no second daemon-start: the daemon did not restart');
});

t.test('fleet off by default: nothing recorded, status says disabled', async (t) => {
  const d = new DaemonProcess(['run', '--simulate'], undefined, { STRATUM1D_TIMEKEEPER__KIND: 'none' });
  t.teardown(() => d.stop('SIGKILL'));
  const s = await eventually(() => fleetStatus(d), 30_000, 'status');
  t.equal(s.fleet.enabled, false);
  t.equal(s.fleet.lastSeq, 0);
  await d.stop('SIGTERM');
  const { existsSync } = await import('node:fs');
  t.notOk(existsSync(join(d.dir, 'state', 'fleet-outbox.db')), 'no outbox file without fleet.url');
});
