import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { type ApplyTarget, applyRendered } from '../../../../../src/daemon/timekeeper/apply/apply-config.js';
import type { CommandResult } from '../../../../../src/daemon/timekeeper/apply/run-command.js';
import { verdict } from '../../../../../src/daemon/timekeeper/apply/validation.js';

const ok: CommandResult = { code: 0, signal: null, stdout: '', stderr: '', error: null };
const failed: CommandResult = { code: 1, signal: null, stdout: '', stderr: 'Fatal error : Could not open socket', error: null };

/**
 * A timekeeper double that "comes up" only when the installed file is one it can run, so
 * rollback is checked against what is actually on disk at each restart.
 */
function fakeTarget(path: string, opts: { runs: (content: string | null) => boolean; valid?: boolean; restartFails?: boolean }) {
  const restarts: (string | null)[] = [];
  let running = false;
  const target: ApplyTarget = {
    name: 'chrony',
    installPath: path,
    restartArgv: ['restart-it'],
    validate: async () => (opts.valid === false ? verdict(['Invalid directive at line 1'], []) : verdict([], [])),
    restart: async () => {
      const content = existsSync(path) ? readFileSync(path, 'utf8') : null;
      restarts.push(content);
      running = opts.runs(content);
      return opts.restartFails && !running ? failed : ok;
    },
    waitUp: async () => ({ up: running, detail: running ? 'answered' : 'Could not open connection to daemon', waitedMs: 5 }),
  };
  return { target, restarts };
}

const rendered = (text: string) => ({ text, notes: [] });

t.test('applies: backup, atomic write, restart, answers', async (t) => {
  const dir = t.testdir({ 'inc.conf': 'old\n' });
  const path = join(dir, 'inc.conf');
  const { target, restarts } = fakeTarget(path, { runs: () => true });
  const o = await applyRendered(target, rendered('new\n'), { dryRun: false });
  t.equal(o.status, 'applied');
  t.equal(o.exitCode, 0);
  t.equal(readFileSync(path, 'utf8'), 'new\n');
  t.equal(readFileSync(`${path}.bak`, 'utf8'), 'old\n');
  t.same(restarts, ['new\n'], 'restarted once, with the new file in place');
  t.match(o.diff, /^-old\n\+new$/m);
});

t.test('an invalid candidate writes nothing and restarts nothing (65)', async (t) => {
  const dir = t.testdir({ 'inc.conf': 'old\n' });
  const path = join(dir, 'inc.conf');
  const { target, restarts } = fakeTarget(path, { runs: () => true, valid: false });
  const o = await applyRendered(target, rendered('new\n'), { dryRun: false });
  t.equal(o.exitCode, 65);
  t.equal(readFileSync(path, 'utf8'), 'old\n');
  t.notOk(existsSync(`${path}.bak`));
  t.same(restarts, []);
  t.match(o.messages.join('\n'), /Invalid directive/);
});

t.test('does not come up: previous file restored, restarted again, exit 1 with the reason', async (t) => {
  const dir = t.testdir({ 'inc.conf': 'old\n' });
  const path = join(dir, 'inc.conf');
  const { target, restarts } = fakeTarget(path, { runs: (c) => c === 'old\n' });
  const o = await applyRendered(target, rendered('bad\n'), { dryRun: false });
  t.equal(o.status, 'rolled-back');
  t.equal(o.exitCode, 1);
  t.equal(readFileSync(path, 'utf8'), 'old\n');
  t.same(restarts, ['bad\n', 'old\n']);
  t.match(o.messages.join('\n'), /did not answer .*Could not open connection/);
});

t.test('restart command fails: rolled back too', async (t) => {
  const dir = t.testdir({ 'inc.conf': 'old\n' });
  const path = join(dir, 'inc.conf');
  const { target } = fakeTarget(path, { runs: (c) => c === 'old\n', restartFails: true });
  const o = await applyRendered(target, rendered('bad\n'), { dryRun: false });
  t.equal(o.status, 'rolled-back');
  t.match(o.messages.join('\n'), /restart failed: `restart-it`: exit status 1 \(Fatal error : Could not open socket\)/);
});

t.test('first install that fails: our file is removed again', async (t) => {
  const dir = t.testdir({});
  const path = join(dir, 'inc.conf');
  const { target, restarts } = fakeTarget(path, { runs: (c) => c === null });
  const o = await applyRendered(target, rendered('bad\n'), { dryRun: false });
  t.equal(o.status, 'rolled-back');
  t.notOk(existsSync(path));
  t.same(restarts, ['bad\n', null]);
});

t.test('rollback that does not come up either is said loudly', async (t) => {
  const dir = t.testdir({ 'inc.conf': 'old\n' });
  const path = join(dir, 'inc.conf');
  const { target } = fakeTarget(path, { runs: () => false });
  const o = await applyRendered(target, rendered('new\n'), { dryRun: false });
  t.equal(o.status, 'rollback-failed');
  t.equal(o.exitCode, 1);
  t.equal(readFileSync(path, 'utf8'), 'old\n', 'the previous file is still what is installed');
});

t.test('dry run and unchanged touch nothing', async (t) => {
  const dir = t.testdir({ 'inc.conf': 'same\n' });
  const path = join(dir, 'inc.conf');
  const { target, restarts } = fakeTarget(path, { runs: () => true });
  const dry = await applyRendered(target, rendered('other\n'), { dryRun: true });
  t.equal(dry.status, 'dry-run');
  t.match(dry.diff, /^-same\n\+other$/m);
  const same = await applyRendered(target, rendered('same\n'), { dryRun: false });
  t.equal(same.status, 'unchanged');
  t.same(restarts, []);
  t.equal(readFileSync(path, 'utf8'), 'same\n');
  writeFileSync(path, 'same\n');
});
