import Database from 'better-sqlite3';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/collector/store/open-store.js';
import type { FleetStore } from '../../src/collector/store/fleet-store.js';
import { BIN, DaemonProcess, eventually } from '../helpers/daemon-process.js';

/**
 * The parts of the fleet fault tests: the REAL collector (`stratum1d collector serve`, its own
 * process, so kill -9 and SIGSTOP hit what production runs) and REAL appliances (`stratum1d run
 * --simulate` with fleet.url/token), optionally under libfaketime so that one appliance's
 * clock can jump without touching the host clock.
 */

export async function freeTcpPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const addr = s.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export function cli(args: string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

export async function addDevice(db: string, name: string): Promise<string> {
  const r = await cli(['collector', 'add-device', name, '--db', db]);
  if (r.code !== 0) throw new Error(`add-device ${name} failed (${r.code}): ${r.stderr}`);
  return r.stdout.trim();
}

export interface DeviceListing {
  name: string;
  lastSeq: number;
  stored: number;
  gaps: number;
  lastSeen: number | null;
}

export async function devicesJson(db: string): Promise<DeviceListing[]> {
  const r = await cli(['collector', 'devices', '--db', db, '--json']);
  if (r.code !== 0) throw new Error(`collector devices failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as DeviceListing[];
}

/** `stratum1d collector serve` as a process on a fixed port (restarts come back on the same URL). */
export class CollectorProcess {
  child: ChildProcess | null = null;
  stderr = '';
  readonly url: string;

  constructor(
    readonly db: string,
    readonly port: number,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, [BIN, 'collector', 'serve', '--db', this.db, '--listen', `127.0.0.1:${this.port}`, '--interval', '1'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { PATH: process.env.PATH, HOME: tmpdir() },
    });
    this.child = child;
    child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      this.stderr = (this.stderr + c).slice(-20_000);
    });
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`collector exited ${child.exitCode}:\n${this.stderr}`);
        try {
          const r = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(2000) });
          return r.status > 0 ? true : undefined;
        } catch {
          return undefined;
        }
      },
      60_000,
      `the collector on ${this.url}`,
    );
  }

  signal(sig: NodeJS.Signals): void {
    this.child?.kill(sig);
  }

  async kill(sig: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    if (sig !== 'SIGKILL') c.kill('SIGCONT');
    c.kill(sig);
    await exited;
  }

  async metrics(): Promise<string> {
    const r = await fetch(`${this.url}/metrics`, { signal: AbortSignal.timeout(10_000) });
    return r.text();
  }

  /** A counter or gauge from /metrics (labels as written, e.g. `{reason="too-large"}`). */
  async metric(name: string): Promise<number> {
    const text = await this.metrics();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    if (!line) throw new Error(`no ${name} in /metrics`);
    return Number(line.slice(name.length + 1));
  }
}

/** A port that accepts connections and never answers (a firewall that blackholes, a wedged proxy). */
export async function blackhole(port: number): Promise<{ close(): Promise<void>; accepted(): number }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const srv: Server = createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    s.resume(); // read and discard: the request arrives, no answer ever leaves
  });
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    accepted: () => accepted,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => srv.close(() => r()));
    },
  };
}

/** Debian's libfaketime (package `faketime`), or null. */
export const LIBFAKETIME =
  readdirSync('/usr/lib')
    .map((d) => join('/usr/lib', d, 'faketime', 'libfaketime.so.1'))
    .find((p) => existsSync(p)) ?? null;

export interface ApplianceOptions {
  name: string;
  url: string;
  token: string;
  /** Run under libfaketime with a control file: `clock(offset)` moves this appliance's clock only. */
  fakeClock?: boolean;
  retentionDays?: number;
}

/**
 * A real appliance: `stratum1d run --simulate` reporting every second, with short backoff and
 * request timeouts so that a test sees recovery in seconds. Restartable on the same state dir
 * (the outbox survives a kill -9 as it survives a power cut).
 */
export class Appliance {
  proc: DaemonProcess | null = null;
  readonly dir = mkdtempSync(join(tmpdir(), 's1d-fleet-app-'));
  readonly clockFile = join(this.dir, 'faketime.rc');

  constructor(readonly o: ApplianceOptions) {
    if (o.fakeClock) writeFileSync(this.clockFile, '+0\n');
  }

  env(): NodeJS.ProcessEnv {
    const e: NodeJS.ProcessEnv = {
      STRATUM1D_FLEET__URL: this.o.url,
      STRATUM1D_FLEET__TOKEN: this.o.token,
      STRATUM1D_FLEET__INTERVAL_S: '1',
      STRATUM1D_FLEET__TIMEOUT_MS: '3000',
      STRATUM1D_FLEET__BACKOFF__INITIAL_MS: '200',
      STRATUM1D_FLEET__BACKOFF__MAX_MS: '2000',
      STRATUM1D_HTTP__LISTEN: 'off',
    };
    if (this.o.retentionDays !== undefined) e.STRATUM1D_FLEET__RETENTION__DAYS = String(this.o.retentionDays);
    if (this.o.fakeClock) {
      if (!LIBFAKETIME) throw new Error('libfaketime is not installed (apt-get install faketime)');
      // Only CLOCK_REALTIME moves: Node's timers run on the monotonic clock, as on a real
      // appliance whose wall clock is stepped. The file is re-read at most once a second.
      Object.assign(e, {
        LD_PRELOAD: LIBFAKETIME,
        FAKETIME_TIMESTAMP_FILE: this.clockFile,
        FAKETIME_CACHE_DURATION: '1',
        FAKETIME_DONT_FAKE_MONOTONIC: '1',
      });
    }
    return e;
  }

  start(): DaemonProcess {
    this.proc = new DaemonProcess(['run', '--simulate'], this.dir, this.env());
    return this.proc;
  }

  /** Moves this appliance's wall clock by a libfaketime offset such as "-1h" or "+1d". */
  clock(offset: string): void {
    writeFileSync(this.clockFile, `${offset}\n`);
  }

  /** `stratum1d status --json` → fleet, as an operator sees it. */
  async statusFleet(): Promise<{ lastSeq: number; ackedSeq: number; backlog: number; dropped: number; lastError: string | null } | undefined> {
    if (!this.proc || this.proc.child.exitCode !== null) return undefined;
    const r = await this.proc.status('--json');
    if (r.code !== 0) return undefined;
    try {
      return (JSON.parse(r.stdout) as { fleet: never }).fleet ?? undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * The outbox counters, read from its SQLite file beside the running daemon (WAL: readers do
   * not block the writer). Cheaper than a `status` process per poll on a busy 2-core machine.
   */
  async fleet(): Promise<{ lastSeq: number; ackedSeq: number; backlog: number; dropped: number } | undefined> {
    if (!existsSync(join(this.dir, 'state', 'fleet-outbox.db'))) return undefined;
    try {
      const o = this.outbox();
      return { ...o, backlog: o.lastSeq - o.ackedSeq };
    } catch {
      return undefined;
    }
  }

  /** Waits until the collector acknowledged at least `seq` (and, by default, something at all). */
  async ackedAtLeast(seq: number, timeoutMs = 120_000): Promise<void> {
    await eventually(
      async () => {
        const f = await this.fleet();
        return f && f.ackedSeq >= Math.max(seq, 1) ? true : undefined;
      },
      timeoutMs,
      `${this.o.name}: ackedSeq ≥ ${seq}`,
    );
  }

  async kill9(): Promise<void> {
    if (!this.proc) return;
    this.proc.child.kill('SIGKILL');
    await this.proc.exited;
  }

  async stop(): Promise<void> {
    if (!this.proc) return;
    await this.proc.stop('SIGTERM');
  }

  /** The outbox as the stopped appliance left it on disk: what it wrote, had acknowledged, dropped. */
  outbox(): { lastSeq: number; ackedSeq: number; dropped: number } {
    const db = new Database(join(this.dir, 'state', 'fleet-outbox.db'), { readonly: true, fileMustExist: true });
    try {
      const meta = new Map((db.prepare('SELECT key, value FROM meta').all() as Array<{ key: string; value: number }>).map((r) => [r.key, r.value]));
      return { lastSeq: (meta.get('next_seq') ?? 1) - 1, ackedSeq: meta.get('acked_seq') ?? 0, dropped: meta.get('dropped') ?? 0 };
    } finally {
      db.close();
    }
  }

  /**
   * The sequence numbers retention dropped and not yet acknowledged, from the outbox's gap rows
   * (readable beside the running daemon, as `fleet()`). Read while nothing can acknowledge them,
   * this is the set the appliance counts as dropped.
   */
  droppedSeqs(): Set<number> {
    const db = new Database(join(this.dir, 'state', 'fleet-outbox.db'), { readonly: true, fileMustExist: true });
    try {
      const out = new Set<number>();
      for (const g of db.prepare('SELECT from_seq AS f, to_seq AS t FROM gaps').all() as Array<{ f: number; t: number }>) {
        for (let s = g.f; s <= g.t; s++) out.add(s);
      }
      return out;
    } finally {
      db.close();
    }
  }

  /**
   * Stops the appliance so that everything it wrote is acknowledged: SIGTERM (a last upload
   * inside the daemon's stop budget); if a backlog is left (a slow machine), start it again,
   * wait for the acknowledgement to pass what it had, and stop again.
   */
  async stopDrained(): Promise<{ lastSeq: number; ackedSeq: number; dropped: number }> {
    for (let round = 0; ; round++) {
      const st = await this.statusFleet();
      if (!st || st.lastSeq < 1) throw new Error(`${this.o.name}: status --json shows no fleet uploader: ${JSON.stringify(st)}`);
      await this.stop();
      const ob = this.outbox();
      if (ob.ackedSeq === ob.lastSeq || round >= 4) return ob;
      this.start();
      await this.ackedAtLeast(ob.lastSeq);
    }
  }

  files(): string[] {
    return existsSync(join(this.dir, 'state')) ? readdirSync(join(this.dir, 'state')) : [];
  }
}

export interface StoredCheck {
  lastSeq: number;
  records: number;
  gapSeqs: number;
  duplicates: number;
  /** Sequence numbers in 1..lastSeq covered by neither a record nor a gap. */
  missing: number[];
  /** Sequence numbers covered twice (a record and a gap, or two gaps). */
  overlaps: number[];
  /** Telemetry records whose `at` is earlier than the one before (by sequence): a clock that went back. */
  atWentBack: number;
  gapReasons: string[];
  /** Sequence numbers stored as records. */
  recordSeqs: Set<number>;
  /** Sequence numbers stored as gaps. */
  gapSeqSet: Set<number>;
}

/** What the store holds for one device, checked against its sequence numbers 1..lastSeq. */
export async function checkStored(store: FleetStore, device: string): Promise<StoredCheck> {
  const row = (await store.devices()).find((d) => d.name === device);
  if (!row) throw new Error(`no device ${device} in the store`);
  const tele = await store.telemetry(device, -8.64e15, 8.64e15, 'raw');
  const events = await store.events(device, -8.64e15, 10_000_000);
  const gaps = await store.gapRuns(device);
  const seen = new Map<number, number>();
  const add = (s: number) => seen.set(s, (seen.get(s) ?? 0) + 1);
  for (const r of tele) add(r.seq);
  for (const r of events) add(r.seq);
  const records = seen.size;
  const recordSeqs = new Set(seen.keys());
  const duplicates = tele.length + events.length - records;
  const gapSeqSet = new Set<number>();
  for (const g of gaps) {
    for (let s = g.from; s <= g.to; s++) {
      add(s);
      gapSeqSet.add(s);
    }
  }
  const missing: number[] = [];
  const overlaps: number[] = [];
  for (let s = 1; s <= row.lastSeq; s++) {
    const n = seen.get(s) ?? 0;
    if (n === 0) missing.push(s);
    if (n > 1) overlaps.push(s);
  }
  const bySeq = [...tele].sort((a, b) => a.seq - b.seq);
  let atWentBack = 0;
  for (let i = 1; i < bySeq.length; i++) if (bySeq[i]!.at < bySeq[i - 1]!.at) atWentBack++;
  return {
    lastSeq: row.lastSeq,
    records,
    gapSeqs: gaps.reduce((s, g) => s + g.to - g.from + 1, 0),
    duplicates,
    missing: missing.slice(0, 20),
    overlaps: overlaps.slice(0, 20),
    atWentBack,
    gapReasons: [...new Set(gaps.map((g) => g.reason))],
    recordSeqs,
    gapSeqSet,
  };
}

export async function withStore<T>(db: string, fn: (s: FleetStore) => Promise<T>): Promise<T> {
  const store = await openStore(db);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
