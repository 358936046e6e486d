import { readFileSync } from 'node:fs';
import { StoreOpenError } from '../collector/store/sqlite-store.js';
import { openStore, redactDb } from '../collector/store/open-store.js';
import { DeviceExistsError, UserExistsError, type FleetStore } from '../collector/store/fleet-store.js';
import { DEVICE_NAME, hashDeviceToken, newDeviceToken } from '../collector/device-tokens.js';
import { hashPassword } from '../collector/dashboard/password.js';
import { DEFAULT_RETENTION, startCollector } from '../collector/server.js';
import { runFleetSimulator } from '../collector/simulate/simulate-cli.js';
import { runMove } from './collector-move.js';
import { createLogger } from '../daemon/logger.js';
import { VERSION } from '../daemon/version.js';
import { type CliIo, parseFlags, UsageError } from './flags.js';

/**
 * `stratum1d collector …`: the fleet collector (serve) and its administration. Administration
 * commands print their result on stdout (add-device: the token alone, for `$(…)`), errors on
 * stderr; serve logs JSON lines on stderr. Exit codes: 0 ok, 1 refused (exists / no such
 * device), 64 usage, 66 a TLS file unreadable, 69 the database or the listen address unusable.
 */

export const DEFAULT_DB = './stratum1d-fleet.db';
export const DEFAULT_LISTEN = '127.0.0.1:8470';
const EX_NOINPUT = 66;
const EX_UNAVAILABLE = 69;

const USAGE = `usage: stratum1d collector <command> [options]

commands:
  serve (default)     --db D --listen HOST:PORT [--tls-cert F --tls-key F] [--interval S] [--no-dashboard]
                      [--raw-days N --minute-days N --hour-days N] [--maintain-every S]
  add-device NAME     --db D [--expires-days N]   prints the new device token (only that) on stdout
  remove-device NAME  --db D                      revokes the token; the history stays
  devices             --db D [--json]             lists [{name, lastSeq, stored, gaps, lastSeen}]
  add-user NAME       --db D --role viewer|admin  reads the password from stdin (first line)
  remove-user NAME    --db D
  simulate            --devices N --url U ...     simulated appliances (see 'collector simulate --help')
  move                --from D1 --to D2 [--resume]  copies everything (devices and tokens, users, data) into an
                      empty database, e.g. SQLite to postgres://; stop the collectors on D1 first

D is a SQLite file path (default ${DEFAULT_DB}) or a postgres:// URL; HOST:PORT defaults to ${DEFAULT_LISTEN}.`;

export async function runCollector(argv: string[], io: CliIo, hooks: { signal?: AbortSignal } = {}): Promise<number> {
  const cmd = argv[0] === undefined || argv[0].startsWith('-') ? 'serve' : argv[0];
  const rest = argv[0] === cmd ? argv.slice(1) : argv;
  switch (cmd) {
    case 'serve':
      return serve(rest, io, hooks);
    case 'add-device':
      return withStore(rest, { 'expires-days': 'string' }, io, 1, async (store, f, [name]) => {
        checkName(name!, 'device');
        let expiresAt: number | null = null;
        if (f['expires-days'] !== undefined) {
          const d = Number(f['expires-days']);
          if (!(typeof f['expires-days'] === 'string' && /^\d+(\.\d+)?$/.test(f['expires-days']) && d > 0 && d <= 36_500)) {
            throw new UsageError(`--expires-days must be a number of days between 0 and 36500, got "${String(f['expires-days'])}"`);
          }
          expiresAt = Date.now() + d * 86_400_000;
        }
        const token = newDeviceToken();
        try {
          await store.addDevice(name!, hashDeviceToken(token), expiresAt, Date.now());
        } catch (err) {
          if (err instanceof DeviceExistsError) return refuse(io, `device ${name} already exists (remove-device it first to issue a new token)`);
          throw err;
        }
        io.stdout.write(`${token}\n`);
        io.stderr.write(`stratum1d: device ${name} added${expiresAt === null ? '' : `, token expires ${new Date(expiresAt).toISOString()}`}; the token is shown only once\n`);
        return 0;
      });
    case 'remove-device':
      return withStore(rest, {}, io, 1, async (store, _f, [name]) => {
        if (!(await store.removeDevice(name!))) return refuse(io, `no device ${name}`);
        io.stderr.write(`stratum1d: device ${name} removed: its token no longer works; its history stays\n`);
        return 0;
      });
    case 'devices':
      return withStore(rest, { json: 'boolean' }, io, 0, async (store, f) => {
        const list = (await store.devices()).map((d) => ({ name: d.name, lastSeq: d.lastSeq, stored: d.stored, gaps: d.gaps, lastSeen: d.lastSeen }));
        if (f.json) {
          io.stdout.write(`${JSON.stringify(list)}\n`);
        } else if (list.length === 0) {
          io.stdout.write('no devices\n');
        } else {
          const rows = [['NAME', 'LAST SEQ', 'STORED', 'GAPS', 'LAST SEEN'], ...list.map((d) => [d.name, String(d.lastSeq), String(d.stored), String(d.gaps), d.lastSeen === null ? 'never' : new Date(d.lastSeen).toISOString()])];
          const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
          io.stdout.write(rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n');
        }
        return 0;
      });
    case 'add-user':
      return withStore(rest, { role: 'string' }, io, 1, async (store, f, [name]) => {
        checkName(name!, 'user');
        if (f.role !== 'viewer' && f.role !== 'admin') throw new UsageError(`--role must be viewer or admin, got "${String(f.role ?? '')}"`);
        const password = await readPassword(io.stdin);
        if (password.length < 8) return refuse(io, 'the password (first line of stdin) must have at least 8 characters');
        try {
          await store.addUser(name!, await hashPassword(password), f.role, Date.now());
        } catch (err) {
          if (err instanceof UserExistsError) return refuse(io, `user ${name} already exists`);
          throw err;
        }
        io.stderr.write(`stratum1d: user ${name} (${f.role}) added\n`);
        return 0;
      });
    case 'remove-user':
      return withStore(rest, {}, io, 1, async (store, _f, [name]) => {
        if (!(await store.removeUser(name!))) return refuse(io, `no user ${name}`);
        io.stderr.write(`stratum1d: user ${name} removed\n`);
        return 0;
      });
    case 'simulate':
      return runFleetSimulator(rest, io, hooks.signal ? { signal: hooks.signal } : {});
    case 'move':
      return runMove(rest, io);
    case 'help':
    case '--help':
      io.stdout.write(`${USAGE}\n`);
      return 0;
    default:
      throw new UsageError(`unknown collector command "${cmd}" (serve, add-device, remove-device, devices, add-user, remove-user, simulate, move)`);
  }
}

function refuse(io: CliIo, msg: string): number {
  io.stderr.write(`stratum1d: ${msg}\n`);
  return 1;
}

function checkName(name: string, what: string): void {
  if (!DEVICE_NAME.test(name)) throw new UsageError(`${what} name "${name}" must be 1-63 characters of A-Z a-z 0-9 . _ - (starting with a letter or digit)`);
}

type Flags = ReturnType<typeof parseFlags>;

/** Parses `[NAME] --db D …`, opens the store, runs `fn`, closes the store. */
async function withStore(
  argv: string[],
  spec: Record<string, 'boolean' | 'string'>,
  io: CliIo,
  positionals: 0 | 1,
  fn: (store: FleetStore, f: Flags, args: string[]) => Promise<number>,
): Promise<number> {
  const f = parseFlags(argv, { db: 'string', help: 'boolean', ...spec });
  if (f.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (f._.length !== positionals) throw new UsageError(positionals ? 'this command takes one NAME' : `unexpected argument ${f._[0]}`);
  const db = typeof f.db === 'string' ? f.db : DEFAULT_DB;
  let store: FleetStore;
  try {
    store = await openStore(db);
  } catch (err) {
    return dbError(io, db, err);
  }
  try {
    return await fn(store, f, f._);
  } finally {
    await store.close();
  }
}

function dbError(io: CliIo, db: string, err: unknown): number {
  const msg = err instanceof StoreOpenError ? err.message : `cannot open ${redactDb(db)}: ${(err as Error)?.message ?? String(err)}`;
  io.stderr.write(`stratum1d: ${msg}\n`);
  return EX_UNAVAILABLE;
}

async function readPassword(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin as AsyncIterable<Buffer | string>) {
    text += chunk.toString();
    if (text.includes('\n') || text.length > 4096) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

export function parseListen(v: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(v);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65_535) throw new UsageError(`--listen must be HOST:PORT (e.g. 127.0.0.1:8470, [::1]:8470, 0.0.0.0:8470), got "${v}"`);
  return { host: (m[1] ?? m[2])!, port };
}

function positive(f: Flags, name: string, dflt: number, max: number): number {
  const raw = f[name];
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n) || n <= 0 || n > max) throw new UsageError(`--${name} must be a number between 0 and ${max}, got "${String(raw)}"`);
  return n;
}

async function serve(argv: string[], io: CliIo, hooks: { signal?: AbortSignal }): Promise<number> {
  const f = parseFlags(argv, {
    db: 'string',
    listen: 'string',
    'tls-cert': 'string',
    'tls-key': 'string',
    interval: 'string',
    'no-dashboard': 'boolean',
    'raw-days': 'string',
    'minute-days': 'string',
    'hour-days': 'string',
    'maintain-every': 'string',
    help: 'boolean',
  });
  if (f.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (f._.length) throw new UsageError(`unexpected argument ${f._[0]}`);
  const listen = parseListen(typeof f.listen === 'string' ? f.listen : DEFAULT_LISTEN);
  const intervalS = positive(f, 'interval', 10, 86_400);
  const retention = {
    rawDays: positive(f, 'raw-days', DEFAULT_RETENTION.rawDays, 36_500),
    minuteDays: positive(f, 'minute-days', DEFAULT_RETENTION.minuteDays, 36_500),
    hourDays: positive(f, 'hour-days', DEFAULT_RETENTION.hourDays, 36_500),
  };
  const maintainEveryMs = positive(f, 'maintain-every', 60, 86_400) * 1000;
  const certFile = f['tls-cert'] as string | undefined;
  const keyFile = f['tls-key'] as string | undefined;
  if ((certFile === undefined) !== (keyFile === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  let tls: { cert: string; key: string } | undefined;
  if (certFile !== undefined && keyFile !== undefined) {
    try {
      tls = { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
    } catch (err) {
      io.stderr.write(`stratum1d: cannot read the TLS certificate or key: ${(err as Error).message}\n`);
      return EX_NOINPUT;
    }
  }

  const log = createLogger({ level: 'info', format: 'json', stream: io.stderr }).child({ component: 'collector' });
  const db = typeof f.db === 'string' ? f.db : DEFAULT_DB;
  let store: FleetStore;
  try {
    store = await openStore(db, { onPoolError: (e) => log.warn('database connection error', { error: e.message }) });
  } catch (err) {
    return dbError(io, db, err);
  }
  let collector;
  try {
    collector = await startCollector({
      store,
      listen,
      ...(tls ? { tls } : {}),
      log,
      dashboard: f['no-dashboard'] !== true,
      intervalS,
      version: VERSION,
      retention,
      maintainEveryMs,
    });
  } catch (err) {
    await store.close();
    const e = err as NodeJS.ErrnoException;
    io.stderr.write(`stratum1d: cannot serve on ${listen.host}:${listen.port}: ${e.code ?? ''} ${e.message}\n`);
    return EX_UNAVAILABLE;
  }
  log.info('collector started', { db: redactDb(db), url: collector.url, version: VERSION });

  const signal = await new Promise<string>((resolve) => {
    const term = () => done('SIGTERM');
    const int = () => done('SIGINT');
    const abort = () => done('abort');
    function done(s: string): void {
      process.off('SIGTERM', term);
      process.off('SIGINT', int);
      hooks.signal?.removeEventListener('abort', abort);
      resolve(s);
    }
    process.on('SIGTERM', term);
    process.on('SIGINT', int);
    if (hooks.signal?.aborted) done('abort');
    else hooks.signal?.addEventListener('abort', abort, { once: true });
  });
  log.info('collector stopping', { signal });
  await collector.stop();
  await store.close();
  log.info('collector stopped');
  return 0;
}
