import t, { type Test } from 'tap';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { socketDirProblem } from '../../../src/config/socket-dir-check.js';
import { controlCall } from '../../../src/daemon/control/control-client.js';
import { ControlServer } from '../../../src/daemon/control/control-server.js';
import { createLogger } from '../../../src/daemon/logger.js';

/** A world-writable, sticky parent like /tmp. */
function shared(t: Test): string {
  const root = mkdtempSync(join(tmpdir(), 'sockdir-'));
  chmodSync(root, 0o1777);
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

t.test('our own private directory in a world-writable parent is trusted', async (t) => {
  const root = shared(t);
  mkdirSync(join(root, 'own'), { mode: 0o700 });
  t.equal(socketDirProblem(join(root, 'own', 'control.sock')), null);
  t.equal(socketDirProblem(join(root, 'absent', 'control.sock')), null, 'absent: nothing to trust or distrust yet');
});

t.test('a directory others can write to, or a symlink, is not', async (t) => {
  const root = shared(t);
  mkdirSync(join(root, 'open'));
  chmodSync(join(root, 'open'), 0o777);
  t.match(socketDirProblem(join(root, 'open', 'control.sock')), /writable by other users \(mode 777\)/);
  mkdirSync(join(root, 'real'), { mode: 0o700 });
  symlinkSync(join(root, 'real'), join(root, 'link'));
  t.match(socketDirProblem(join(root, 'link', 'control.sock')), /symbolic link/);
});

t.test('a directory another user created first is not', async (t) => {
  const dirStats = { uid: 1001, mode: 0o40700, isSymbolicLink: () => false, isDirectory: () => true } as unknown as Stats;
  const tmpStats = { uid: 0, mode: 0o41777 } as unknown as Stats;
  const fs = { lstat: () => dirStats, stat: () => tmpStats, euid: 1000 };
  t.match(socketDirProblem('/tmp/stratum1d-1000/control.sock', fs), /belongs to uid 1001, not to you \(uid 1000\)/);
  t.equal(socketDirProblem('/tmp/stratum1d-1000/control.sock', { ...fs, euid: 1001 }), null, 'the owner trusts it');
  const rootParent = { uid: 0, mode: 0o40755 } as unknown as Stats;
  t.equal(socketDirProblem('/run/stratum1d/control.sock', { ...fs, stat: () => rootParent }), null, 'nobody else can create entries in a root-owned 0755 parent');
});

t.test('neither the daemon nor a client uses a squatted directory', async (t) => {
  const root = shared(t);
  const dir = join(root, 'squatted');
  mkdirSync(dir);
  chmodSync(dir, 0o777);
  const path = join(dir, 'control.sock');
  const server = new ControlServer(path, createLogger({ level: 'error', format: 'json' }));
  await t.rejects(server.start(), /writable by other users/, 'the daemon refuses to listen there');
  await t.rejects(controlCall(path, 'status'), /cannot trust the control socket .*writable by other users/, 'a client refuses to ask there');
});
