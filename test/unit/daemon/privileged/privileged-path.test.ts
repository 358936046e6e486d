import { mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { validateConfig } from '../../../../src/config/load-config.js';
import { privilegedMode, requestPath, resultPath } from '../../../../src/daemon/privileged/privileged-actions.js';
import { PrivilegedTimeout, requestPrivileged } from '../../../../src/daemon/privileged/request-client.js';
import { runPrivilegedAction } from '../../../../src/daemon/privileged/run-action.js';
import type { CommandResult } from '../../../../src/daemon/timekeeper/apply/run-command.js';

const ok: CommandResult = { code: 0, signal: null, stdout: 'ok', stderr: '', error: null };

function dirs(t: Test) {
  const root = t.testdir({ req: {}, res: {} });
  return { requestDir: join(root, 'req'), resultDir: join(root, 'res') };
}

/** Plays the path unit: when the request appears, run the root side once. */
async function rootSideOnce(requestDir: string, action: 'restart-timekeeper' | 'set-rtc' | 'apply', run: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 500 && !existsSync(requestPath(requestDir, action)); i++) await new Promise((r) => setTimeout(r, 10));
  await run();
}

t.test('restart-timekeeper: request → root side → the same request gets the real outcome', async (t) => {
  const d = dirs(t);
  const calls: string[][] = [];
  const run = async (argv: readonly string[]) => {
    calls.push([...argv]);
    return ok;
  };
  const config = validateConfig({ timekeeper: { chrony: { restartCommand: ['restart-chrony'] } } });
  const [result] = await Promise.all([
    requestPrivileged('restart-timekeeper', { ...d, timeoutMs: 10_000, pollMs: 20 }),
    rootSideOnce(d.requestDir, 'restart-timekeeper', () => runPrivilegedAction('restart-timekeeper', { config, configSource: 'test', ...d, run, writeKernelRtc: async () => undefined })),
  ]);
  t.equal(result.ok, true);
  t.equal(result.status, 'restarted');
  t.match(result.summary, /chrony restarted and answers/);
  t.same(calls[0], ['restart-chrony'], 'the configured restart command ran');
  t.match(calls[1]!.join(' '), /chronyc .*tracking/, 'then it checked that chronyd answers');
  t.notOk(existsSync(requestPath(d.requestDir, 'restart-timekeeper')), 'the request is consumed');
  t.equal(statSync(resultPath(d.resultDir, 'restart-timekeeper')).mode & 0o777, 0o640, 'the result is not world-readable');
});

t.test('a failed restart is reported as failed, with the reason', async (t) => {
  const d = dirs(t);
  const run = async () => ({ code: 1, signal: null, stdout: '', stderr: 'Job for chrony.service failed', error: null });
  const config = validateConfig({});
  const [result] = await Promise.all([
    requestPrivileged('restart-timekeeper', { ...d, timeoutMs: 10_000, pollMs: 20 }),
    rootSideOnce(d.requestDir, 'restart-timekeeper', () => runPrivilegedAction('restart-timekeeper', { config, configSource: 'test', ...d, run, writeKernelRtc: async () => undefined })),
  ]);
  t.equal(result.ok, false);
  t.equal(result.status, 'failed');
  t.match(result.summary, /restart failed: .*exit status 1.*Job for chrony.service failed/);
});

t.test('set-rtc writes the kernel RTC at the top of a second', async (t) => {
  const d = dirs(t);
  const writes: Array<[string, number]> = [];
  let now = 1_700_000_000_400;
  const config = validateConfig({ rtc: { model: 'kernel', kernelDevice: 'rtc1' } });
  const [result] = await Promise.all([
    requestPrivileged('set-rtc', { ...d, timeoutMs: 10_000, pollMs: 20 }),
    rootSideOnce(d.requestDir, 'set-rtc', () =>
      runPrivilegedAction('set-rtc', {
        config,
        configSource: 'test',
        ...d,
        now: () => now,
        sleep: async (ms) => void (now += ms),
        writeKernelRtc: async (dev, ms) => void writes.push([dev, ms]),
      }),
    ),
  ]);
  t.same(writes, [['/dev/rtc1', 1_700_000_001_000]]);
  t.equal(result.ok, true);
});

t.test('the root side takes nothing but a well-formed id', async (t) => {
  const d = dirs(t);
  const config = validateConfig({});
  const deps = { config, configSource: 'test', ...d, run: async () => ok, writeKernelRtc: async () => undefined };
  writeFileSync(requestPath(d.requestDir, 'restart-timekeeper'), 'systemctl stop chrony; rm -rf /\n');
  t.equal(await runPrivilegedAction('restart-timekeeper', deps), null, 'a request that is not a hex id is dropped');
  t.notOk(existsSync(requestPath(d.requestDir, 'restart-timekeeper')), 'and removed');
  t.notOk(existsSync(resultPath(d.resultDir, 'restart-timekeeper')), 'nothing answered, nothing done');

  const secret = join(d.requestDir, 'secret');
  writeFileSync(secret, 'a'.repeat(32));
  symlinkSync(secret, requestPath(d.requestDir, 'restart-timekeeper'));
  t.equal(await runPrivilegedAction('restart-timekeeper', deps), null, 'a symlinked request is not followed');
  t.equal(readFileSync(secret, 'utf8'), 'a'.repeat(32), 'and its target is untouched');

  t.equal(await runPrivilegedAction('restart-timekeeper', deps), null, 'no request: nothing to do');
});

t.test('a stale result never passes for this call; no answer is a clear timeout', async (t) => {
  const d = dirs(t);
  mkdirSync(d.resultDir, { recursive: true });
  writeFileSync(resultPath(d.resultDir, 'apply'), JSON.stringify({ id: 'f'.repeat(32), action: 'apply', ok: true, status: 'applied', summary: 'old', finishedAt: '', details: {} }));
  await t.rejects(requestPrivileged('apply', { ...d, timeoutMs: 300, pollMs: 20 }), PrivilegedTimeout);
  await t.rejects(requestPrivileged('apply', { ...d, timeoutMs: 300, pollMs: 20 }), /stratum1d-admin@apply\.path/);
  t.notOk(existsSync(requestPath(d.requestDir, 'apply')), 'an unanswered request is withdrawn');
});

t.test('auto mode asks root only under systemd as a non-root user', async (t) => {
  const config = validateConfig({});
  t.equal(privilegedMode(config, { INVOCATION_ID: 'x' }, 998), 'request');
  t.equal(privilegedMode(config, { INVOCATION_ID: 'x' }, 0), 'direct');
  t.equal(privilegedMode(config, {}, 1000), 'direct');
  t.equal(privilegedMode(validateConfig({ privileged: { mode: 'request' } }), {}, 0), 'request');
});
