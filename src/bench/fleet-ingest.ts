import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DeviceModel } from '../collector/simulate/device-model.js';
import { startFleetSimulator } from '../collector/simulate/fleet-simulator.js';
import { registerSimulatedDevices, simulatedName } from '../collector/simulate/register-devices.js';
import { openStore } from '../collector/store/open-store.js';
import type { BatchItem, WireRecord } from '../fleet-wire/schema.js';
import { startBenchCluster, postgresBin } from './fleet-pg-cluster.js';
import { sampleProc } from './proc-sample.js';

/**
 * Fleet ingest (issue 10): N simulated appliances (default 5,000) at a 10 s interval, over real
 * HTTP, against a real collector process (`stratum1d collector serve`) on SQLite and on a
 * durable PostgreSQL, on this machine. The simulator runs in this process, the collector in
 * its own; both share the machine's cores (as they would not in production).
 *
 *   sustained   records stored per second over the measurement window (after a warm-up in
 *               which every appliance has started), beside the offered rate N / interval;
 *               a backlog that grows over the window means the collector does not keep up
 *   latency     round trip of each acknowledged batch as the appliance sees it (request
 *               written → Ack parsed), p50 / p99 / max
 *   ceilings    measured in the same run, same database file or cluster, collector stopped:
 *               `store.ingest()` in-process with one record per call from 64 callers at once
 *               (the collector's own path: mark + record, group commit included), and a bare
 *               one-row INSERT per transaction into a plain table (the database's own limit at
 *               this durability when every row pays its own commit)
 *   load        /proc/loadavg at both ends of the window and the CPU pressure (PSI some)
 *               over it: this machine is shared, and the figures mean little without it
 */

export interface FleetIngestResult {
  backend: 'sqlite' | 'postgres';
  dbVersion: string;
  devices: number;
  intervalS: number;
  windowS: number;
  offeredPerS: number;
  sustainedPerS: number;
  batches: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  backlogStart: number;
  backlogEnd: number;
  errors: Record<string, number>;
  transportErrors: number;
  collectorCpuPct: number;
  collectorRssMiB: number;
  /** CPU of this process (the simulated fleet): is the load generator the bottleneck? */
  simulatorCpuPct: number;
  /** Linux PSI `some` of the CPU over the window (from its `total` counter): share of the time some runnable task waited for a core (null: no PSI). */
  cpuPressurePct: number | null;
  /** /proc/loadavg (1, 5, 15 min) at the start and the end of the window. */
  loadStart: string;
  loadEnd: string;
  run: number;
  runs: number;
  ceilingStorePerS: number;
  ceilingRawPerS: number;
  ceilingConcurrency: number;
  /** Concurrent callers of store.ingest() in its ceiling (group commit gathers them). */
  storeCeilingCallers: number;
}

export interface FleetIngestOptions {
  devices: number;
  intervalS: number;
  warmupS: number;
  windowS: number;
  ceilingS: number;
  /** Rounds (each SQLite then PostgreSQL); default BENCH_FLEET_RUNS or 1. */
  runs?: number;
  log: (s: string) => void;
}

const BIN = new URL('../../bin/stratum1d.js', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** PSI `some total` of the CPU, µs (null: no PSI). */
function cpuPressureTotalUs(): number | null {
  try {
    const m = /some avg10=[\d.]+ avg60=[\d.]+ avg300=[\d.]+ total=(\d+)/.exec(readFileSync('/proc/pressure/cpu', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function loadavg(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const a = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return typeof a === 'object' && a ? a.port : 0;
}

/** A record the size and shape of a real one (what the appliances send). */
function sampleRecord(seq: number): WireRecord {
  const m = new DeviceModel(seq, { intervalS: 10, speedup: 1, meanFaultGapS: Infinity, startModelS: 1.7e9 });
  const s = m.step(Date.now());
  return { seq, kind: 'telemetry', at: s.at, body: s.telemetry };
}

export function gitCommit(root: string): string {
  const head = spawnSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  if (head.status !== 0) return 'unknown commit';
  const dirty = spawnSync('git', ['-C', root, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).stdout.trim() !== '';
  return `${head.stdout.trim()}${dirty ? ' + uncommitted changes' : ''}`;
}

/** Callers of store.ingest() at once in its ceiling: the way HTTP requests reach it under load. */
const STORE_CEILING_CALLERS = 64;

async function runBackend(backend: 'sqlite' | 'postgres', o: FleetIngestOptions, run: number, runs: number): Promise<FleetIngestResult> {
  const cleanup: Array<() => void | Promise<void>> = [];
  try {
    let db: string;
    if (backend === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 's1d-bench-fleet-'));
      cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
      db = join(dir, 'fleet.db');
    } else {
      const cluster = await startBenchCluster();
      cleanup.push(() => cluster.stop());
      db = cluster.url;
    }

    o.log(`fleet ${backend}: registering ${o.devices} appliances`);
    const names = Array.from({ length: o.devices }, (_, i) => simulatedName('bench', i, o.devices));
    let store = await openStore(db);
    const appliances = await registerSimulatedDevices(store, names, null, Date.now());
    await store.close();

    const port = await freePort();
    const collector = spawn(process.execPath, [BIN, 'collector', 'serve', '--db', db, '--listen', `127.0.0.1:${port}`, '--interval', String(o.intervalS)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let collectorErr = '';
    collector.stderr.setEncoding('utf8').on('data', (c: string) => (collectorErr = (collectorErr + c).slice(-4000)));
    const collectorExit = new Promise((r) => collector.once('exit', r));
    cleanup.push(async () => {
      if (collector.exitCode === null) {
        collector.kill('SIGTERM');
        await collectorExit;
      }
    });
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${url}/health`)).status > 0) break;
      } catch {
        if (i > 300 || collector.exitCode !== null) throw new Error(`the collector did not start:\n${collectorErr}`);
        await sleep(100);
      }
    }

    o.log(`fleet ${backend}: ${o.devices} appliances every ${o.intervalS} s; warm-up ${o.warmupS} s, window ${o.windowS} s`);
    const sim = startFleetSimulator({
      url,
      appliances,
      intervalS: o.intervalS,
      speedup: 1,
      seed: 1,
      meanFaultGapS: Infinity,
      maxRecords: 100_000,
      batchMax: 200,
      backoff: { initialMs: 1000, maxMs: 30_000 },
      requestTimeoutMs: 30_000,
      maxSockets: 256,
      software: 'bench',
      log: () => undefined,
    });
    await sleep(o.warmupS * 1000);
    const c = sim.counters;
    const s0 = { stored: c.stored, lat: c.latenciesMs.length, backlog: sim.backlog(), proc: sampleProc(collector.pid!), cpu: process.cpuUsage(), t: performance.now(), psi: cpuPressureTotalUs(), load: loadavg() };
    await sleep(o.windowS * 1000);
    const s1 = { stored: c.stored, lat: c.latenciesMs.length, backlog: sim.backlog(), proc: sampleProc(collector.pid!), cpu: process.cpuUsage(s0.cpu), t: performance.now(), psi: cpuPressureTotalUs(), load: loadavg() };
    const wallS = (s1.t - s0.t) / 1000;
    const pressure = s0.psi === null || s1.psi === null ? null : ((s1.psi - s0.psi) / 1e6 / wallS) * 100;
    const lat = c.latenciesMs.slice(s0.lat, s1.lat).sort((a, b) => a - b);
    await sim.stop(10_000);
    collector.kill('SIGTERM');
    await collectorExit;

    o.log(`fleet ${backend}: ceilings, ${o.ceilingS} s each`);
    store = await openStore(db);
    const rows = await store.devices();
    const concurrency = backend === 'postgres' ? 10 : 1;
    const record = sampleRecord(1);
    // store.ingest(): one record per call, round-robin over the registered appliances, from
    // STORE_CEILING_CALLERS callers at once (each appliance is only ever used by one caller).
    let n = 0;
    const next = new Map(rows.map((r) => [r.name, r.lastSeq + 1]));
    const deadline = performance.now() + o.ceilingS * 1000;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: STORE_CEILING_CALLERS }, async (_, w) => {
        for (let i = w; performance.now() < deadline; i += STORE_CEILING_CALLERS) {
          const name = names[i % names.length]!;
          const seq = next.get(name)!;
          next.set(name, seq + 1);
          const item: BatchItem = { kind: 'record', from: seq, to: seq, record: { ...record, seq } };
          await store.ingest(name, [item], Date.now(), 'bench');
          n++;
        }
      }),
    );
    const ceilingStorePerS = n / ((performance.now() - t0) / 1000);
    await store.close();

    // A bare one-row INSERT per transaction, same database, same durability.
    const body = JSON.stringify(record.body);
    let raw = 0;
    let dbVersion: string;
    if (backend === 'sqlite') {
      const d = new Database(db);
      d.pragma('journal_mode = WAL');
      d.pragma('synchronous = FULL');
      dbVersion = `SQLite ${(d.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v} (WAL, synchronous=FULL)`;
      d.exec('CREATE TABLE bench_raw (device TEXT NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (device, seq))');
      const ins = d.prepare('INSERT INTO bench_raw (device, seq, at, body) VALUES (?, ?, ?, ?)');
      const end = performance.now() + o.ceilingS * 1000;
      const r0 = performance.now();
      while (performance.now() < end) {
        ins.run(names[raw % names.length], raw, Date.now(), body);
        raw++;
      }
      raw = raw / ((performance.now() - r0) / 1000);
      d.close();
    } else {
      const pool = new pg.Pool({ connectionString: db, max: concurrency });
      // An idle client the cluster's shutdown terminates must not take the bench down with an
      // unhandled 'error', hiding whatever failed first.
      pool.on('error', (e) => o.log(`fleet ${backend}: raw-insert pool: ${e.message}`));
      try {
        const v = await pool.query<{ v: string }>("SELECT current_setting('server_version') AS v");
        dbVersion = `PostgreSQL ${v.rows[0]!.v} (fsync on, synchronous_commit on)`;
        await pool.query('CREATE TABLE bench_raw (device text NOT NULL, seq bigint NOT NULL, at bigint NOT NULL, body jsonb NOT NULL, PRIMARY KEY (device, seq))');
        const end = performance.now() + o.ceilingS * 1000;
        const r0 = performance.now();
        let k = 0;
        await Promise.all(
          Array.from({ length: concurrency }, async () => {
            while (performance.now() < end) {
              const i = k++;
              await pool.query('INSERT INTO bench_raw (device, seq, at, body) VALUES ($1, $2, $3, $4)', [names[i % names.length], i, Date.now(), body]);
            }
          }),
        );
        raw = k / ((performance.now() - r0) / 1000);
      } finally {
        await pool.end();
      }
    }

    return {
      backend,
      dbVersion,
      devices: o.devices,
      intervalS: o.intervalS,
      windowS: wallS,
      offeredPerS: o.devices / o.intervalS,
      sustainedPerS: (s1.stored - s0.stored) / wallS,
      batches: lat.length,
      p50Ms: quantile(lat, 0.5),
      p99Ms: quantile(lat, 0.99),
      maxMs: lat.at(-1) ?? NaN,
      backlogStart: s0.backlog,
      backlogEnd: s1.backlog,
      errors: { ...c.errors },
      transportErrors: c.transportErrors,
      collectorCpuPct: ((s1.proc.cpuS - s0.proc.cpuS) / wallS) * 100,
      collectorRssMiB: s1.proc.rssKiB / 1024,
      cpuPressurePct: pressure,
      loadStart: s0.load,
      loadEnd: s1.load,
      run,
      runs,
      storeCeilingCallers: STORE_CEILING_CALLERS,
      simulatorCpuPct: ((s1.cpu.user + s1.cpu.system) / 1e6 / wallS) * 100,
      ceilingStorePerS,
      ceilingRawPerS: raw,
      ceilingConcurrency: concurrency,
    };
  } finally {
    for (const f of cleanup.reverse()) await f();
  }
}

/** o.runs (else BENCH_FLEET_RUNS, default 1) rounds, SQLite and PostgreSQL alternating within each. */
export async function benchFleetIngest(o: FleetIngestOptions): Promise<FleetIngestResult[]> {
  const runs = Math.max(1, Math.floor(Number(o.runs ?? process.env.BENCH_FLEET_RUNS ?? 1)) || 1);
  const out: FleetIngestResult[] = [];
  for (let k = 1; k <= runs; k++) {
    out.push(await runBackend('sqlite', o, k, runs));
    if (postgresBin()) out.push(await runBackend('postgres', o, k, runs));
    else o.log('fleet postgres: skipped, no PostgreSQL binaries');
  }
  return out;
}

const r0 = (x: number) => Math.round(x).toLocaleString('en');
const ms = (x: number) => (x < 10 ? x.toFixed(1) : Math.round(x).toLocaleString('en'));

/** Rows for the results table (| what | stratum1d | reference |). */
export function fleetRows(results: FleetIngestResult[]): string[] {
  return results.map((r) => {
    const errs = Object.entries(r.errors).map(([k, v]) => `${k}: ${v}`);
    if (r.transportErrors) errs.push(`transport: ${r.transportErrors}`);
    const keeps = r.backlogEnd <= r.backlogStart + r.devices * 0.05 ? 'kept up' : `backlog grew ${r.backlogStart} → ${r.backlogEnd}`;
    return (
      `| fleet ingest${r.runs > 1 ? ` (run ${r.run}/${r.runs})` : ''}, ${r0(r.devices)} simulated appliances every ${r.intervalS} s over HTTP, collector on ${r.dbVersion}, ${Math.round(r.windowS)} s window ` +
      `| ${r0(r.sustainedPerS)} records/s sustained (offered ${r0(r.offeredPerS)}/s, ${keeps}); batch round trip p50 ${ms(r.p50Ms)} ms, p99 ${ms(r.p99Ms)} ms, max ${ms(r.maxMs)} ms (${r0(r.batches)} batches); ` +
      `collector CPU ${r.collectorCpuPct.toFixed(0)} %, RSS ${r.collectorRssMiB.toFixed(0)} MiB; simulator CPU ${r.simulatorCpuPct.toFixed(0)} %; machine load ${r.loadStart} → ${r.loadEnd}, CPU pressure over the window (PSI some) ${r.cpuPressurePct === null ? 'n/a' : `${r.cpuPressurePct.toFixed(0)} %`}; goal (sustain ${r0(r.offeredPerS)}/s, p99 < 1 s) ${r.p99Ms < 1000 && r.sustainedPerS >= r.offeredPerS * 0.98 && r.backlogEnd <= r.backlogStart + r.devices * 0.05 ? 'met' : 'missed'}; errors: ${errs.length ? errs.join(', ') : 'none'} ` +
      `| same database, same run: \`store.ingest()\` one record per call, ${r.storeCeilingCallers} callers at once (group commit) ${r0(r.ceilingStorePerS)}/s, bare one-row INSERT per transaction ${r0(r.ceilingRawPerS)}/s (${r.ceilingConcurrency} writer${r.ceilingConcurrency > 1 ? 's' : ''}) |`
    );
  });
}
