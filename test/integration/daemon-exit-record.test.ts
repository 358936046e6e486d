// A bad configuration under systemd: exit 78 once (the unit's RestartPreventExitStatus=78 stops
// the loop), the key at error priority in the journal, and `stratum1d status` saying why the
// service is not running. systemd's side (JOURNAL_STREAM, STATE_DIRECTORY) is played here; the
// nspawn system test runs the real unit.
import t from 'tap';
import { execFile, spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, DaemonProcess, tempDir } from '../helpers/daemon-process.js';

t.test('exit 78 leaves a record that status explains; a good start clears it', async (t) => {
  const dir = tempDir();
  const state = join(dir, 'state');
  mkdirSync(state);
  const cfg = join(dir, 'config.yaml');
  writeFileSync(cfg, 'gnss:\n  baudRat: 9600\n');
  // stderr must be the file itself for JOURNAL_STREAM to match: spawn with an fd.
  const errFile = join(dir, 'stderr');
  const fd = openSync(errFile, 'w');
  const st = fstatSync(fd);
  const code = await new Promise<number | null>((resolve) => {
    const c = spawn(process.execPath, [BIN, 'run', '--config', cfg], {
      env: { PATH: process.env.PATH, HOME: dir, STATE_DIRECTORY: state, JOURNAL_STREAM: `${st.dev}:${st.ino}` },
      stdio: ['ignore', 'ignore', fd],
    });
    c.on('exit', (x) => resolve(x));
  });
  closeSync(fd);
  t.equal(code, 78);
  const journal = readFileSync(errFile, 'utf8').split('\n').filter(Boolean);
  t.ok(journal.length > 0 && journal.every((l) => l.startsWith('<3>')), 'every line at error priority for journald');
  t.match(journal.join('\n'), /gnss\.baudRat/, 'the journal names the key');
  const record = JSON.parse(readFileSync(join(state, 'last-exit.json'), 'utf8'));
  t.equal(record.code, 78);
  t.match(record.problems.join('\n'), /gnss\.baudRat/);

  const status = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    execFile(process.execPath, [BIN, 'status'], { env: { PATH: process.env.PATH, HOME: dir, STATE_DIRECTORY: state, XDG_RUNTIME_DIR: join(dir, 'xdg') } }, (err, _o, stderr) =>
      resolve({ code: err ? (err.code as number) : 0, stderr }),
    );
  });
  t.equal(status.code, 69);
  t.match(status.stderr, /stratum1d is not running: it stopped at .* with exit status 78 because of its configuration/);
  t.match(status.stderr, /gnss\.baudRat/, 'status names the key');

  const d = new DaemonProcess(['run', '--simulate'], dir, { STRATUM1D_PATHS__STATE_DIR: state });
  t.teardown(() => d.stop('SIGKILL'));
  await d.waitForLog((r) => r.msg === 'ready', 30_000);
  t.throws(() => readFileSync(join(state, 'last-exit.json')), 'a good start clears the record');
});
