import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import t, { type Test } from 'tap';
import { eventRecord, telemetryRecord } from '../helpers/fleet-store-conformance.js';
import type { WireRecord } from '../../src/fleet-wire/schema.js';
import { CollectorProcess, serveArgv } from '../helpers/collector-process.js';

/**
 * The built `stratum1d collector` as operators run it: real processes, a real SQLite file, real
 * HTTP(S) with real device tokens, a certificate made by openssl, promtool on /metrics.
 */

const BIN = new URL('../../bin/stratum1d.js', import.meta.url).pathname;
const PROMTOOL = process.env.PROMTOOL ?? '/opt/prometheus/usr/bin/promtool';
const dir = mkdtempSync(join(tmpdir(), 's1d-collector-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const db = join(dir, 'fleet.db');

function cli(args: string[], input = ''): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'collector', ...args], { input, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}


interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

function send(url: string, opts: { method?: string; token?: string; body?: Buffer | string; gzip?: boolean; ca?: string } = {}): Promise<Reply> {
  const u = new URL(url);
  const body = opts.body === undefined ? undefined : Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body);
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (body) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(body.length);
  }
  if (opts.gzip) headers['content-encoding'] = 'gzip';
  const req = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const r = req(u, { method: opts.method ?? (body ? 'POST' : 'GET'), headers, ...(opts.ca ? { ca: opts.ca } : {}), agent: false, timeout: 60_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    r.on('error', reject);
    r.on('timeout', () => r.destroy(new Error('timeout')));
    r.end(body);
  });
}

const NOW = Date.now();
const batch = (records: WireRecord[], gaps: unknown[] = []) =>
  JSON.stringify({ v: 1, sentAt: NOW, software: 'it-1.0', lastSeq: Math.max(0, ...records.map((r) => r.seq), ...gaps.map((g) => (g as { to: number }).to)), records, gaps });
const ingestUrl = (base: string) => `${base}/api/v1/ingest`;

function metricValue(text: string, series: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : null;
}


t.test('add-device, serve, ingest over HTTP, devices --json, metrics, remove-device', async (t: Test) => {
  const added = cli(['add-device', 'pi-1', '--db', db]);
  t.equal(added.code, 0, added.stderr);
  t.match(added.stdout, /^s1d_[A-Za-z0-9_-]{43}\n$/, 'stdout is the token alone');
  const token = added.stdout.trim();
  t.equal(cli(['add-device', 'pi-2', '--db', db, '--expires-days', '30']).code, 0);
  const dup = cli(['add-device', 'pi-1', '--db', db]);
  t.equal(dup.code, 1);
  t.equal(dup.stdout, '', 'no token printed for a refused add');
  t.match(dup.stderr, /already exists/);

  const serve = new CollectorProcess(serveArgv(['--db', db, '--listen', '127.0.0.1:0', '--interval', '10']));
  t.teardown(() => serve.stop());
  const base = await serve.url;
  t.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);

  const first = [telemetryRecord(1, NOW - 30_000), telemetryRecord(2, NOW - 20_000), eventRecord(3, NOW - 15_000)];
  let r = await send(ingestUrl(base), { token, body: batch(first) });
  t.equal(r.status, 200, r.text);
  t.match(JSON.parse(r.text), { ackedSeq: 3, stored: 3, duplicates: 0, gapsStored: 0 });
  r = await send(ingestUrl(base), { token, body: batch(first) });
  t.match(JSON.parse(r.text), { ackedSeq: 3, stored: 0, duplicates: 3 }, 'replayed batch: duplicates');
  r = await send(ingestUrl(base), { token, body: batch([telemetryRecord(10, NOW)]) });
  t.equal(r.status, 409, 'a sequence from the future');
  t.match(JSON.parse(r.text), { code: 'sequence-ahead', ackedSeq: 3 });
  r = await send(ingestUrl(base), { token, body: batch([telemetryRecord(7, NOW - 5000)], [{ from: 4, to: 6, reason: 'retention-size' }]) });
  t.match(JSON.parse(r.text), { ackedSeq: 7, stored: 1, gapsStored: 3 });
  r = await send(ingestUrl(base), { token, body: gzipSync(batch([telemetryRecord(8, NOW)])), gzip: true });
  t.match(JSON.parse(r.text), { ackedSeq: 8, stored: 1 }, 'gzip');
  r = await send(ingestUrl(base), { token: 's1d_not-a-real-token', body: batch([telemetryRecord(9, NOW)]) });
  t.equal(r.status, 401);
  t.match(JSON.parse(r.text), { code: 'unauthorized' });
  r = await send(ingestUrl(base), { token, body: '{"v":1,"records":[{"seq":"x"}]}' });
  t.equal(r.status, 400);
  t.match(JSON.parse(r.text), { code: 'malformed', error: /records\.0/ });
  r = await send(ingestUrl(base), { token, body: Buffer.alloc(1_048_577, 0x20) });
  t.equal(r.status, 413, 'oversized');

  const listed = cli(['devices', '--db', db, '--json']);
  t.equal(listed.code, 0, listed.stderr);
  const devices = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
  t.same(
    devices.map((d) => Object.keys(d).sort()),
    [
      ['gaps', 'lastSeen', 'lastSeq', 'name', 'stored'],
      ['gaps', 'lastSeen', 'lastSeq', 'name', 'stored'],
    ],
  );
  t.match(devices, [
    { name: 'pi-1', lastSeq: 8, stored: 5, gaps: 3, lastSeen: Number },
    { name: 'pi-2', lastSeq: 0, stored: 0, gaps: 0, lastSeen: null },
  ]);

  const health = await send(`${base}/health`);
  t.equal(health.status, 200);
  t.match(JSON.parse(health.text), { status: 'ok', components: { store: { ok: true, kind: 'sqlite' } }, fleet: { devices: 2, reporting: 1 } });

  const metrics = await send(`${base}/metrics`);
  t.equal(metrics.status, 200);
  t.match(metrics.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  t.equal(metricValue(metrics.text, 'stratum1d_collector_ingest_batches_total'), 4, 'first, replay, gap, gzip');
  t.equal(metricValue(metrics.text, 'stratum1d_collector_ingest_records_stored_total'), 5);
  t.equal(metricValue(metrics.text, 'stratum1d_collector_ingest_duplicates_total'), 3);
  for (const reason of ['sequence-ahead', 'unauthorized-unknown', 'malformed-schema', 'too-large']) {
    t.equal(metricValue(metrics.text, `stratum1d_collector_ingest_refused_total{reason="${reason}"}`), 1, `refusal counted: ${reason}`);
  }
  t.equal(metricValue(metrics.text, 'stratum1d_collector_devices'), 2);
  t.equal(metricValue(metrics.text, 'stratum1d_collector_fleet_alarms{severity="warning"}'), 0, 'pi-2 was only just added');
  if (existsSync(PROMTOOL)) {
    const check = spawnSync(PROMTOOL, ['check', 'metrics'], { input: metrics.text, encoding: 'utf8' });
    t.equal(check.status, 0, `promtool check metrics: ${check.stdout}${check.stderr}`);
  } else {
    t.fail(`promtool not found at ${PROMTOOL} (set PROMTOOL)`);
  }
  t.equal((await send(`${base}/no-such-page`)).status, 404);

  const removed = cli(['remove-device', 'pi-1', '--db', db]);
  t.equal(removed.code, 0, removed.stderr);
  r = await send(ingestUrl(base), { token, body: batch([telemetryRecord(9, NOW)]) });
  t.equal(r.status, 401, 'a removed device is refused');
  t.equal(cli(['remove-device', 'pi-1', '--db', db]).code, 1, 'removing twice: no such device');

  t.equal(await serve.stop(), 0, 'SIGTERM: clean exit 0');
  t.ok(
    serve.lines.some((l) => l.includes('"collector stopped"')),
    'logged the stop',
  );
  t.ok(
    serve.lines.every((l) => l.startsWith('{')),
    'serve logs JSON lines on stderr',
  );
});

t.test('the issue\'s form `collector --db D --listen HOST:PORT` serves; without --db the database is ./stratum1d-fleet.db', async (t) => {
  const here = mkdtempSync(join(tmpdir(), 's1d-collector-default-'));
  t.teardown(() => rmSync(here, { recursive: true, force: true }));
  const byDefault = new CollectorProcess([BIN, 'collector', '--listen', '127.0.0.1:0'], { cwd: here });
  t.teardown(() => byDefault.stop());
  const url = await byDefault.url;
  t.equal((await send(`${url}/health`)).status, 200, 'serving');
  t.ok(existsSync(join(here, 'stratum1d-fleet.db')), 'the database is ./stratum1d-fleet.db in the working directory');
  t.equal(await byDefault.stop(), 0);

  const other = join(here, 'named.db');
  const named = new CollectorProcess([BIN, 'collector', '--db', other, '--listen', '127.0.0.1:0'], { cwd: here });
  t.teardown(() => named.stop());
  t.equal((await send(`${await named.url}/health`)).status, 200, '--db and --listen without `serve`');
  t.ok(existsSync(other), `the database is ${other}`);
  t.equal(await named.stop(), 0);
});

t.test('users: add-user reads the password from stdin', async (t) => {
  const r = cli(['add-user', 'ops', '--role', 'admin', '--db', db], 'correct horse battery\n');
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, '');
  t.equal(cli(['add-user', 'ops', '--role', 'admin', '--db', db], 'another password\n').code, 1, 'exists');
  t.equal(cli(['add-user', 'x', '--role', 'admin', '--db', db], 'short\n').code, 1, 'too short');
  t.equal(cli(['add-user', 'x', '--role', 'root', '--db', db], 'long enough pw\n').code, 64, 'bad role');
  t.equal(cli(['remove-user', 'ops', '--db', db]).code, 0);
  t.equal(cli(['remove-user', 'ops', '--db', db]).code, 1);
});

t.test('TLS with a self-signed certificate made by openssl', async (t) => {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=collector.test', '-addext', 'subjectAltName=IP:127.0.0.1'], {
    stdio: 'ignore',
  });
  const tlsDb = join(dir, 'tls.db');
  const token = cli(['add-device', 'pi-tls', '--db', tlsDb]).stdout.trim();
  const serve = new CollectorProcess(serveArgv(['--db', tlsDb, '--listen', '127.0.0.1:0', '--tls-cert', cert, '--tls-key', key]));
  t.teardown(() => serve.stop());
  const base = await serve.url;
  t.match(base, /^https:\/\//);
  const ca = readFileSync(cert, 'utf8');
  const r = await send(ingestUrl(base), { token, body: batch([telemetryRecord(1, NOW)]), ca });
  t.equal(r.status, 200, r.text);
  t.match(JSON.parse(r.text), { ackedSeq: 1, stored: 1 });
  await t.rejects(send(ingestUrl(base), { token, body: batch([telemetryRecord(2, NOW)]) }), /self-signed|certificate/, 'an unknown CA is refused by the client');
  await t.rejects(send(ingestUrl(base.replace('https:', 'http:')), { token, body: batch([telemetryRecord(2, NOW)]) }), 'plain HTTP on the TLS port does not work');
  t.equal((await send(`${base}/health`, { ca })).status, 200);
  t.equal(await serve.stop(), 0);
  t.match(JSON.parse(cli(['devices', '--db', tlsDb, '--json']).stdout), [{ name: 'pi-tls', lastSeq: 1, stored: 1 }]);
});

t.test('clear errors: bad flags 64, unusable database 69, port in use 69, unreadable TLS files 66', async (t) => {
  const bad = cli(['serve', '--db', db, '--bogus']);
  t.equal(bad.code, 64);
  t.match(bad.stderr, /unknown option --bogus/);
  t.equal(cli(['serve', '--db', db, '--listen', 'localhost']).code, 64);
  t.equal(cli(['serve', '--db', db, '--tls-cert', '/x']).code, 64, 'cert without key');
  t.equal(cli(['add-device', 'bad name!', '--db', db]).code, 64);
  t.equal(cli(['add-device', 'pi-9', '--db', db, '--expires-days', 'soon']).code, 64);
  t.equal(cli(['frobnicate']).code, 64);
  const noDir = cli(['devices', '--db', join(dir, 'missing-dir', 'x.db')]);
  t.equal(noDir.code, 69);
  t.match(noDir.stderr, /cannot open the SQLite database .*missing-dir/);
  const pg = cli(['devices', '--db', 'postgres://nobody:secret@127.0.0.1:1/none']);
  t.equal(pg.code, 69, 'unreachable PostgreSQL');
  t.match(pg.stderr, /cannot open the PostgreSQL database/);
  t.notMatch(pg.stderr, /secret/, 'the password is not printed');
  t.equal(cli(['serve', '--db', db, '--listen', '127.0.0.1:0', '--tls-cert', '/nonexistent.pem', '--tls-key', '/nonexistent.key']).code, 66);

  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => blocker.close());
  const port = (blocker.address() as { port: number }).port;
  const busy = cli(['serve', '--db', db, '--listen', `127.0.0.1:${port}`]);
  t.equal(busy.code, 69);
  t.match(busy.stderr, /EADDRINUSE/);
});

