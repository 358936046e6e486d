import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A private PostgreSQL cluster for one test: initdb into a temp dir, `postgres` listening on a
 * unix socket in that dir and on a free TCP port of 127.0.0.1, trust authentication, one
 * database created. It never uses (or needs) Debian's `postgresql` service: only the binaries
 * of the `postgresql-NN` package (/usr/lib/postgresql/NN/bin, or PG_BIN).
 *
 * PostgreSQL refuses to run as root, so when the test runs as root the cluster runs as an
 * unprivileged user (PGLAB_USER, default `nobody`, which every Debian system has) through
 * `setpriv`; the temp dir is then under /tmp (a root-only TMPDIR would not be reachable).
 * The superuser role is always `postgres` (initdb -U), whatever the OS user.
 */

export interface PostgresLab {
  /** postgres://postgres@127.0.0.1:PORT/DB (TCP). */
  url: string;
  /** The same database over the unix socket: postgres://postgres@%2Ftmp%2F...:PORT/DB. */
  socketUrl: string;
  /** A URL for another database of the same cluster (create it first with createDatabase). */
  urlFor(database: string): string;
  createDatabase(name: string): Promise<string>;
  host: string;
  port: number;
  socketDir: string;
  database: string;
  dataDir: string;
  /** The server log so far (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

export interface PostgresLabOptions {
  database?: string;
  /**
   * false (the default): fsync and synchronous_commit off — a test cluster's durability
   * against an OS crash proves nothing, and disk flushes would slow every suite beside it.
   * Benchmarks that compare with a real deployment pass true.
   */
  durable?: boolean;
  /** Extra postgresql.conf lines. */
  conf?: string[];
}

interface Teardownable {
  teardown(fn: () => unknown): void;
}

function findBinDir(): string | null {
  const fromEnv = process.env.PG_BIN;
  if (fromEnv && existsSync(join(fromEnv, 'initdb'))) return fromEnv;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

export const postgresBinDir = findBinDir();
/** Whether a cluster can be started here (tests `skip` with a reason otherwise). */
export const hasPostgres = postgresBinDir !== null;

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const labUser = process.env.PGLAB_USER ?? 'nobody';

function userIds(name: string): { uid: number; gid: number } {
  const r = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (r.status !== 0 || g.status !== 0) throw new Error(`postgres-lab: no user ${name} to run PostgreSQL as (set PGLAB_USER)`);
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/** argv that runs `bin` as the lab user (unchanged when we are not root). */
function asLabUser(bin: string, args: string[]): [string, string[]] {
  if (!isRoot) return [bin, args];
  const { uid, gid } = userIds(labUser);
  return ['setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--', bin, ...args]];
}

function run(bin: string, args: string[], cwd: string, timeoutMs = 120_000): Promise<{ code: number | null; out: string }> {
  const [cmd, argv] = asLabUser(bin, args);
  return new Promise((resolve, reject) => {
    // stdout/stderr to pipes we drain: pg_ctl's backgrounded postmaster keeps them only if we
    // pass them, and we pass its log to a file (-l), so the pipes close when pg_ctl exits.
    const child = spawn(cmd, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C', LANG: 'C' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

async function freeTcpPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const addr = srv.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/**
 * A detached watcher that stops the cluster and removes its directory when the test process
 * is gone without calling stop() (killed by tap's timeout, kill -9): otherwise the postmaster,
 * reparented to init, would outlive the test and keep its port and memory.
 */
function startGuard(bin: string, dataDir: string, base: string): ReturnType<typeof spawn> {
  const [cmd, argv] = asLabUser(join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ${[cmd, ...argv].map(q).join(' ')} >/dev/null 2>&1; rm -rf ${q(base)}`;
  const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  child.unref();
  return child;
}

const DB_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export async function startPostgres(t?: Teardownable, opts: PostgresLabOptions = {}): Promise<PostgresLab> {
  if (!postgresBinDir) throw new Error('postgres-lab: no PostgreSQL binaries (apt-get install postgresql, or set PG_BIN)');
  const bin = postgresBinDir;
  const database = opts.database ?? 'fleet';
  if (!DB_NAME.test(database)) throw new Error(`postgres-lab: bad database name ${database}`);

  const base = mkdtempSync(join(isRoot ? '/tmp' : tmpdir(), 'pglab-'));
  const dataDir = join(base, 'data');
  const logFile = join(base, 'server.log');
  if (isRoot) {
    const { uid, gid } = userIds(labUser);
    chownSync(base, uid, gid);
    chmodSync(base, 0o755);
  }
  let started = false;
  let guard: ReturnType<typeof spawn> | null = null;
  const readLog = (): string => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');

  const cleanup = async (): Promise<void> => {
    if (guard && guard.exitCode === null && guard.signalCode === null) guard.kill('SIGKILL');
    guard = null;
    if (started) {
      started = false;
      await run(join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop'], base);
    }
    rmSync(base, { recursive: true, force: true });
  };

  try {
    const init = await run(join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync', '--no-instructions'], base);
    if (init.code !== 0) throw new Error(`initdb failed (${init.code}):\n${init.out}`);

    const conf = [
      '',
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${base}'`,
      'max_connections = 200',
      'shared_buffers = 64MB',
      // Several clusters may run at once on this machine: keep each one small and quiet.
      'max_wal_size = 256MB',
      'log_min_messages = warning',
      "log_line_prefix = '%m [%p] '",
      ...(opts.durable ? [] : ['fsync = off', 'synchronous_commit = off', 'full_page_writes = off']),
      ...(opts.conf ?? []),
      '',
    ];
    appendFileSync(join(dataDir, 'postgresql.conf'), conf.join('\n'));

    // A free port can be taken between our probe and postgres' bind: retry a few times.
    let port = 0;
    for (let attempt = 0; ; attempt++) {
      port = await freeTcpPort();
      const r = await run(join(bin, 'pg_ctl'), ['-D', dataDir, '-l', logFile, '-o', `-p ${port}`, '-w', '-t', '120', 'start'], base, 180_000);
      if (r.code === 0) break;
      if (attempt >= 4) throw new Error(`pg_ctl start failed (${r.code}):\n${r.out}\n${readLog()}`);
    }
    started = true;
    guard = startGuard(bin, dataDir, base);

    const host = '127.0.0.1';
    const urlFor = (db: string): string => `postgres://postgres@${host}:${port}/${db}`;
    const createDatabase = async (name: string): Promise<string> => {
      if (!DB_NAME.test(name)) throw new Error(`postgres-lab: bad database name ${name}`);
      const r = await run(join(bin, 'createdb'), ['-h', base, '-p', String(port), '-U', 'postgres', name], base);
      if (r.code !== 0) throw new Error(`createdb ${name} failed (${r.code}):\n${r.out}`);
      return urlFor(name);
    };
    await createDatabase(database);

    const lab: PostgresLab = {
      url: urlFor(database),
      socketUrl: `postgres://postgres@${encodeURIComponent(base)}:${port}/${database}`,
      urlFor,
      createDatabase,
      host,
      port,
      socketDir: base,
      database,
      dataDir,
      log: readLog,
      stop: cleanup,
    };
    t?.teardown(() => cleanup());
    return lab;
  } catch (e) {
    await cleanup().catch(() => undefined);
    throw e;
  }
}
