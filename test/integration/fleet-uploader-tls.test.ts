import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { BIN, DaemonProcess, eventually, tempDir } from '../helpers/daemon-process.js';
import { CollectorProcess, serveArgv } from '../helpers/collector-process.js';

/**
 * The built daemon uploading over HTTPS to the built `stratum1d collector serve` whose
 * certificate is signed by a private CA made here with openssl, trusted through `fleet.ca`.
 * With another CA in `fleet.ca` the TLS handshake fails: status --json says why, and the outbox
 * keeps every record, which arrive once the right CA is configured.
 */

const work = mkdtempSync(join(tmpdir(), 's1d-fleet-tls-'));
t.teardown(() => rmSync(work, { recursive: true, force: true }));

function openssl(args: string[]): void {
  execFileSync('openssl', args, { cwd: work, stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
}

/** A CA certificate and key: `<name>.pem`, `<name>.key`. */
function makeCa(name: string): string {
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return join(work, `${name}.pem`);
}

function cli(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'collector', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

interface FleetJson {
  lastSeq: number;
  ackedSeq: number;
  lastError: string | null;
  consecutiveFailures: number;
}

async function fleetStatus(d: DaemonProcess): Promise<FleetJson | undefined> {
  const r = await d.status('--json');
  return r.code === 0 ? (JSON.parse(r.stdout) as { fleet: FleetJson }).fleet : undefined;
}

function startDaemon(dir: string, url: string, token: string, ca: string): DaemonProcess {
  return new DaemonProcess(['run', '--simulate'], dir, {
    STRATUM1D_TIMEKEEPER__KIND: 'none',
    STRATUM1D_FLEET__URL: url,
    STRATUM1D_FLEET__TOKEN: token,
    STRATUM1D_FLEET__CA: ca,
    STRATUM1D_FLEET__INTERVAL_S: '1',
    STRATUM1D_FLEET__TIMEOUT_MS: '5000',
    STRATUM1D_FLEET__BACKOFF__INITIAL_MS: '50',
    STRATUM1D_FLEET__BACKOFF__MAX_MS: '500',
  });
}

function outboxRows(dir: string): { acked: number; next: number; seqs: number[] } {
  const db = new Database(join(dir, 'state', 'fleet-outbox.db'), { readonly: true, fileMustExist: true });
  try {
    const meta = (key: string): number => (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: number }).value;
    const seqs = (db.prepare('SELECT seq FROM records ORDER BY seq').all() as Array<{ seq: number }>).map((r) => r.seq);
    return { acked: meta('acked_seq'), next: meta('next_seq'), seqs };
  } finally {
    db.close();
  }
}

function deviceRow(db: string): { lastSeq: number; stored: number; gaps: number } {
  const r = cli(['devices', '--db', db, '--json']);
  if (r.code !== 0) throw new Error(r.stderr);
  return (JSON.parse(r.stdout) as Array<{ name: string; lastSeq: number; stored: number; gaps: number }>).find((d) => d.name === 'pi-tls')!;
}

t.test('uploads over HTTPS to a collector signed by a private CA given as fleet.ca; a wrong CA fails clearly and deletes nothing', async (t) => {
  const ca = makeCa('fleet-ca');
  const otherCa = makeCa('other-ca');
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'collector.key', '-out', 'collector.csr', '-subj', '/CN=collector.test']);
  writeFileSync(join(work, 'collector.ext'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  openssl(['x509', '-req', '-in', 'collector.csr', '-CA', 'fleet-ca.pem', '-CAkey', 'fleet-ca.key', '-CAcreateserial', '-out', 'collector.pem', '-days', '2', '-extfile', 'collector.ext']);

  const db = join(work, 'fleet.db');
  const added = cli(['add-device', 'pi-tls', '--db', db]);
  t.equal(added.code, 0, added.stderr);
  const token = added.stdout.trim();
  const serve = new CollectorProcess(serveArgv(['--db', db, '--listen', '127.0.0.1:0', '--tls-cert', join(work, 'collector.pem'), '--tls-key', join(work, 'collector.key')]));
  t.teardown(() => serve.stop());
  const url = await serve.url;
  t.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);

  // 1. The wrong CA: the handshake fails, status --json says so, the outbox keeps everything.
  const dir = tempDir();
  let d = startDaemon(dir, url, token, otherCa);
  t.teardown(() => d.stop('SIGKILL'));
  const failing = await eventually(async () => {
    const s = await fleetStatus(d);
    return s && s.lastSeq >= 3 && s.consecutiveFailures >= 2 && s.lastError ? s : undefined;
  }, 60_000, 'upload failures with the wrong CA');
  t.match(failing.lastError, /^cannot reach the collector at https:\/\/127\.0\.0\.1:\d+: .*(certificate|issuer).*put its CA in fleet\.ca/i, `a clear lastError: ${failing.lastError}`);
  t.equal(failing.ackedSeq, 0, 'nothing acknowledged');
  t.equal((await d.stop('SIGTERM')).code, 0);
  const kept = outboxRows(dir);
  t.equal(kept.acked, 0, 'the outbox mark did not move');
  t.ok(kept.next - 1 >= 3, `${kept.next - 1} records numbered`);
  t.same(kept.seqs, Array.from({ length: kept.next - 1 }, (_, i) => i + 1), 'every record numbered is still in the outbox');
  t.match(deviceRow(db), { lastSeq: 0, stored: 0 }, 'the collector received nothing');
  t.notOk(serve.lines.some((l) => l.includes(token.slice(4))), 'the token never reached the collector log');

  // 2. The right CA, same state directory: the held records and new ones arrive, numbered from 1.
  d = startDaemon(dir, url, token, ca);
  const held = kept.next - 1;
  const ok = await eventually(async () => {
    const s = await fleetStatus(d);
    return s && s.lastError === null && s.ackedSeq > held ? s : undefined;
  }, 60_000, 'uploads with the right CA');
  t.equal(ok.consecutiveFailures, 0);
  const row = deviceRow(db);
  t.ok(row.lastSeq >= ok.ackedSeq, `the collector holds up to ${row.lastSeq}`);
  t.equal(row.stored, row.lastSeq, 'every number 1..lastSeq stored as a record: the held backlog arrived');
  t.equal(row.gaps, 0, 'no gaps');
  const after = await eventually(() => {
    const o = outboxRows(dir);
    return o.acked >= held ? o : undefined;
  }, 60_000, 'the outbox acknowledged mark past the held records');
  t.ok(after.seqs.every((s) => s > after.acked), 'acknowledged records deleted from the outbox');
  t.equal((await d.stop('SIGTERM')).code, 0);
});
