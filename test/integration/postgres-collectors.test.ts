import { spawn } from 'node:child_process';
import t from 'tap';
import pg from 'pg';
import type { WireRecord } from '../../src/fleet-wire/schema.js';
import { eventRecord, telemetryRecord } from '../helpers/fleet-store-conformance.js';
import { hasPostgres, startPostgres } from '../helpers/postgres-lab.js';
import { CollectorProcess, serveArgv } from '../helpers/collector-process.js';

/**
 * Two real `stratum1d collector serve` processes on one PostgreSQL database, an appliance's
 * overlapping batches sent to both at once over HTTP (as when a load balancer alternates and
 * acknowledgements are lost): afterwards stored == written, no sequence number twice, and the
 * CLI on the same URL reports the right mark.
 */

const BIN = new URL('../../bin/stratum1d.js', import.meta.url).pathname;
const skip = hasPostgres ? false : 'PostgreSQL binaries not installed (apt-get install postgresql)';

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'collector', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}


t.test('two collector processes on one database, one appliance sending overlapping batches to both', { skip }, async (t) => {
  const lab = await startPostgres(t);
  const url = lab.url;
  const added = await cli(['add-device', 'pi', '--db', url]);
  t.equal(added.code, 0, `add-device: ${added.stderr}`);
  const token = added.stdout.trim();

  // Both start at once on a fresh schema-less database? add-device already migrated it; the
  // two servers start together anyway (migration finds the schema current).
  const servers = [new CollectorProcess(serveArgv(['--db', url, '--listen', '127.0.0.1:0', '--no-dashboard', '--maintain-every', '1'])), new CollectorProcess(serveArgv(['--db', url, '--listen', '127.0.0.1:0', '--no-dashboard', '--maintain-every', '1']))];
  t.teardown(async () => {
    for (const s of servers) await s.stop();
  });
  const bases = await Promise.all(servers.map((s) => s.url));

  const N = 600;
  const at0 = Date.now() - N * 10_000;
  const records = new Map<number, WireRecord>();
  for (let seq = 1; seq <= N; seq++) records.set(seq, seq % 5 === 0 ? eventRecord(seq, at0 + seq * 10_000) : telemetryRecord(seq, at0 + seq * 10_000));

  let statusOther = 0;
  let backwards = 0;
  // Six senders (three per collector), each resending from a little before what it last saw
  // acknowledged, with varying batch sizes.
  const sender = async (base: string, k: number) => {
    let seen = 0;
    let i = 0;
    while (seen < N) {
      i++;
      const from = Math.max(1, seen + 1 - ((i * 7 + k * 3) % 25));
      const to = Math.min(N, from + ((i * 13 + k * 5) % 50));
      const batch = { v: 1, sentAt: Date.now(), software: 'it-1', lastSeq: N, records: [...Array(to - from + 1).keys()].map((j) => records.get(from + j)!), gaps: [] };
      const res = await fetch(`${base}/api/v1/ingest`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(batch) });
      const body = (await res.json()) as { ackedSeq?: number };
      if (res.status !== 200 && res.status !== 409) {
        statusOther++;
        continue;
      }
      const acked = body.ackedSeq ?? 0;
      if (acked < seen) backwards++;
      seen = Math.max(seen, acked);
    }
  };
  await Promise.all([0, 1, 2, 3, 4, 5].map((k) => sender(bases[k % 2]!, k)));
  t.equal(statusOther, 0, 'every batch acknowledged (200) or sent back as ahead (409)');
  t.equal(backwards, 0, 'no sender saw the acknowledgement go backwards');

  const db = new pg.Client({ connectionString: url });
  await db.connect();
  t.teardown(() => db.end());
  const rows = await db.query<{ seq: string }>(`SELECT seq FROM telemetry WHERE device = 'pi' UNION ALL SELECT seq FROM events WHERE device = 'pi' ORDER BY 1`);
  t.same(
    rows.rows.map((r) => Number(r.seq)),
    [...records.keys()],
    'stored == written: each sequence number exactly once',
  );
  const devices = await cli(['devices', '--db', url, '--json']);
  t.equal(devices.code, 0, devices.stderr);
  t.match(JSON.parse(devices.stdout), [{ name: 'pi', lastSeq: N, stored: N, gaps: 0 }], 'devices --json on the same URL');

  // Both collectors run maintain() every second on the same database: the rollups converge to
  // every telemetry record exactly once.
  const telemetryCount = [...records.values()].filter((r) => r.kind === 'telemetry').length;
  let hourCount = -1;
  for (let i = 0; i < 120 && hourCount !== telemetryCount * 10; i++) {
    const r = await db.query<{ n: string | null }>(`SELECT sum(offset_n) AS n FROM telemetry_1h WHERE device = 'pi'`);
    hourCount = Number(r.rows[0]?.n ?? 0);
    if (hourCount !== telemetryCount * 10) await new Promise((res) => setTimeout(res, 500));
  }
  t.equal(hourCount, telemetryCount * 10, 'hour rollups hold every record once (10 samples each)');

  const codes = await Promise.all(servers.map((s) => s.stop()));
  t.same(codes, [0, 0], 'both stop cleanly on SIGTERM');
  t.notOk(
    servers.some((s) => s.lines.some((l) => /"level":"(error|fatal)"/.test(l))),
    'no error logged by either collector',
  );
});
