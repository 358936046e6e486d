import { spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { BIN, DaemonProcess, tempDir } from '../helpers/daemon-process.js';

const NOBODY = 65534;

/** `stratum1d run --simulate` as an unprivileged user (root ignores directory modes), to its exit. */
function runAsNobody(dir: string, timeoutMs = 60_000): Promise<{ code: number | null; stderr: string; hung: boolean }> {
  return new Promise((resolve) => {
    const env = {
      PATH: process.env.PATH,
      HOME: dir,
      STRATUM1D_PATHS__RUNTIME_DIR: join(dir, 'run'),
      STRATUM1D_PATHS__STATE_DIR: join(dir, 'locked', 'state'),
      STRATUM1D_GPSD__PORT: '0',
      STRATUM1D_HTTP__LISTEN: '127.0.0.1:0',
    };
    const child = spawn('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, BIN, 'run', '--simulate'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, hung });
    });
  });
}

function nobodyDir(): string {
  const dir = tempDir();
  chownSync(dir, NOBODY, NOBODY);
  return dir;
}

t.test('a state directory that cannot be created: exit 73 naming paths.stateDir, nothing left running', { skip: process.getuid?.() !== 0 ? 'needs root to drop to nobody' : false }, async (t) => {
  const dir = nobodyDir();
  const locked = join(dir, 'locked');
  mkdirSync(locked);
  chownSync(locked, NOBODY, NOBODY);
  chmodSync(locked, 0o500);
  const r = await runAsNobody(dir);
  t.notOk(r.hung, 'the process exits by itself');
  t.equal(r.code, 73);
  t.match(r.stderr, /paths\.stateDir/);
  t.match(r.stderr, new RegExp(`${join(locked, 'state')}.*permission denied`));
  t.notMatch(r.stderr, /internal error|MCP|TLS/);
});

t.test('a file where the state directory should be: exit 73', async (t) => {
  const dir = tempDir();
  writeFileSync(join(dir, 'state'), 'not a directory');
  const d = new DaemonProcess(['run', '--simulate'], dir);
  const { code } = await d.exited;
  t.equal(code, 73);
  const line = d.logs().find((r) => r.level === 'error');
  t.match(String(line?.msg), /paths\.stateDir: .*state.*not a directory/);
  t.equal(line?.key, 'paths.stateDir');
});

t.test('MCP disabled and an unusable audit database: the daemon runs', async (t) => {
  const dir = tempDir();
  // The audit database's path taken by a directory: SQLite cannot open it.
  mkdirSync(join(dir, 'state', 'stratum1d.db'), { recursive: true });
  const d = new DaemonProcess(['run', '--simulate'], dir);
  t.teardown(() => d.stop('SIGKILL'));
  await d.waitForLog((r) => r.msg === 'ready', 30_000);
  t.equal((await d.status()).code, 0, 'status answers');
  const stopped = await d.stop('SIGTERM');
  t.equal(stopped.code, 0);
});
