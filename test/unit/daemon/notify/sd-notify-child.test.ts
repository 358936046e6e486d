import t from 'tap';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { NotifyListener } from '../../../helpers/notify-listener.js';

const run = promisify(execFile);
const fixture = fileURLToPath(new URL('./fixtures/notify-child.ts', import.meta.url));

interface ChildReport {
  pid: number;
  watchdog: { enabled: boolean };
  stats: { sent: number; failed: number };
}

/** Runs the notifying child with `env` (and PATH) only, as systemd would start a service. */
async function child(env: NodeJS.ProcessEnv, runMs: number): Promise<ChildReport> {
  const { stdout } = await run(process.execPath, [...process.execArgv, fixture, String(runMs)], {
    env: { PATH: process.env.PATH, ...env },
  });
  return JSON.parse(stdout) as ChildReport;
}

t.test('a service process notifies as itself: the kernel reports the child pid', async (t) => {
  const l = NotifyListener.start();
  t.teardown(() => l.close());
  const report = await child(l.env({ WATCHDOG_USEC: '400000' }), 700);
  await l.waitFor((m) => m.fields.STOPPING === '1');
  t.not(report.pid, process.pid);
  t.ok(l.messages.length >= 5, `${l.messages.length} messages`);
  t.ok(
    l.messages.every((m) => m.pid === report.pid),
    'every message carries the child pid, as NotifyAccess=main requires',
  );
  t.same(l.messages[0]?.fields, { READY: '1', STATUS: 'child up' });
  // 700 ms at a 200 ms period: the immediate ping plus three or so more.
  const pings = l.withField('WATCHDOG', '1').length;
  t.ok(pings >= 3 && pings <= 5, `${pings} watchdog pings in 700 ms`);
  t.equal(report.stats.failed, 0, 'no send failed');
});

t.test('a child whose WATCHDOG_PID names another process sends no WATCHDOG', async (t) => {
  const l = NotifyListener.start();
  t.teardown(() => l.close());
  // What a child of the daemon sees: the variables it inherited name its parent.
  const report = await child(l.env({ WATCHDOG_USEC: '400000', WATCHDOG_PID: String(process.pid) }), 500);
  await l.waitFor((m) => m.fields.STOPPING === '1');
  t.equal(report.watchdog.enabled, false);
  t.equal(l.withField('WATCHDOG').length, 0);
  t.same(
    l.messages.map((m) => Object.keys(m.fields)),
    [['READY', 'STATUS'], ['STOPPING']],
  );
});

t.test('a child started without NOTIFY_SOCKET sends nothing anywhere', async (t) => {
  const l = NotifyListener.start();
  t.teardown(() => l.close());
  const report = await child({ WATCHDOG_USEC: '400000' }, 300);
  t.equal(report.stats.sent, 0, 'nothing sent');
  t.equal(report.stats.failed, 0, 'nothing tried');
  t.equal(l.messages.length, 0);
});
