import { spawnSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * A private, durable PostgreSQL cluster for the fleet benchmark (fsync and synchronous_commit
 * on, as a production collector would run): initdb into /tmp, a free port on 127.0.0.1, trust
 * authentication. As root it runs as `nobody` (PostgreSQL refuses root). The test suites have
 * their own (test/helpers/postgres-lab.ts); bench code is built from src/ and cannot use it.
 */
export interface BenchCluster {
  url: string;
  stop(): void;
}

export function postgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const v = readdirSync(root)
    .filter((d) => existsSync(join(root, d, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a))[0];
  return v ? join(root, v, 'bin') : null;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const a = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return typeof a === 'object' && a ? a.port : 0;
}

export async function startBenchCluster(): Promise<BenchCluster> {
  const bin = postgresBin();
  if (!bin) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql');
  const base = mkdtempSync('/tmp/s1d-bench-pg-');
  const data = join(base, 'data');
  const root = process.getuid?.() === 0;
  const ids = root ? { uid: Number(spawnSync('id', ['-u', 'nobody']).stdout.toString()), gid: Number(spawnSync('id', ['-g', 'nobody']).stdout.toString()) } : null;
  if (ids) chownSync(base, ids.uid, ids.gid);
  const run = (cmd: string, args: string[]) => {
    const argv = ids ? ['setpriv', [`--reuid=${ids.uid}`, `--regid=${ids.gid}`, '--clear-groups', '--', join(bin, cmd), ...args]] : [join(bin, cmd), args];
    const r = spawnSync(argv[0] as string, argv[1] as string[], { cwd: base, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' }, timeout: 180_000 });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stdout}${r.stderr}`);
  };
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-instructions']);
  appendFileSync(join(data, 'postgresql.conf'), `\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '${base}'\nmax_connections = 200\n`);
  const port = await freePort();
  run('pg_ctl', ['-D', data, '-l', join(base, 'server.log'), '-o', `-p ${port}`, '-w', '-t', '120', 'start']);
  run('createdb', ['-h', base, '-p', String(port), '-U', 'postgres', 'fleet']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/fleet`,
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(base, { recursive: true, force: true });
      }
    },
  };
}
