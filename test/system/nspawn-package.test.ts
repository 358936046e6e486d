import t, { type Test } from 'tap';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { Container, q } from './nspawn/container.js';
import { amd64Deb, debField, repackAsUpgrade } from './nspawn/package-deb.js';
import { activeAlarms, chronydCommandLines, chronySource, eventually, mainPid, statusJson, unitProps } from './nspawn/probes.js';
import { freshRootfs, OUT } from './nspawn/rootfs.js';
import { CHRONY_NO_CLOCK, EDITED_CONFIG, START_FAILING_CONFIG, STRATUM1D_PTY } from './nspawn/test-configs.js';

/**
 * The shipped amd64 .deb the way a user installs it: a Debian trixie machine booted with
 * systemd-nspawn (systemd 257 as PID 1, chrony as Debian runs it, but with -x: the host's
 * clock is never touched), `apt install ./stratum1d_*.deb`, then what a user would notice:
 * who the service runs as, READY without a receiver, the receiver picked up when it appears,
 * chronyd's NMEA refclock getting samples, `stratum1d status` for root and operators, reload,
 * the MCP admin tools through the privileged path (apply, restart, roll back), a bad config
 * stopping the unit once, upgrade keeping state, purge removing it.
 *
 * Needs root and systemd-nspawn (installed if missing). Cold: builds the rootfs (~2 min) and,
 * if out/ has none, the .deb. STRATUM1D_SKIP_NSPAWN=1 skips it.
 */

if (process.env.STRATUM1D_SKIP_NSPAWN === '1') {
  t.plan(0, 'STRATUM1D_SKIP_NSPAWN=1');
  process.exit(0);
}
if (process.getuid?.() !== 0) {
  t.plan(0, 'needs root (systemd-nspawn, nsenter)');
  process.exit(0);
}

// Building the rootfs and the package, booting, installing and several chronyd polls: far
// beyond tap's default per-file timeout. Every wait inside is bounded on its own.
t.setTimeout(60 * 60_000);

const log = (line: string) => t.comment(line);
const built = await amd64Deb(log);
const root = await freshRootfs(log);
const work = mkdtempSync(join(OUT, 'nspawn', 'work-'));
// A private copy: `npm run package` may rewrite out/ while this runs, and the reinstall and
// upgrade below must be of the very package that was installed.
const deb = join(work, basename(built));
copyFileSync(built, deb);
const debName = basename(deb);
const version = await debField(deb, 'Version');
log(`package: ${built} (${version})`);
const c = await Container.boot(root, { consoleLog: join(work, 'console.log'), name: `s1d-test-${process.pid}` });
// A runner timeout or ^C ends this process without teardowns: never leave a container behind.
process.once('exit', () => c.killNowSync());
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.once(signal, () => {
    c.killNowSync();
    process.exit(128 + 15);
  });
}
t.teardown(async () => {
  // Keep the journal of a failed run where a person can read it.
  const journal = await c.sh('journalctl -b --no-pager -o short-precise | tail -n 200', { timeoutMs: 30_000 }).catch(() => null);
  if (journal && t.passing() === false) t.comment(`last journal lines:\n${journal.stdout}`);
  await c.teardown();
  rmSync(work, { recursive: true, force: true });
});

// --- the machine before the package ------------------------------------------------------

const booted = await c.waitBooted();
t.comment(`container booted: ${booted}`);
await c.writeFile('/etc/systemd/system/chrony.service.d/zz-systemtest-no-clock.conf', CHRONY_NO_CLOCK);
await c.writeFile('/etc/systemd/system/stratum1d.service.d/zz-systemtest-pty.conf', STRATUM1D_PTY);
await c.must('systemctl daemon-reload && systemctl restart chrony.service');

async function assertChronyNeverTouchesTheClock(t: Test, when: string) {
  const lines = await chronydCommandLines(c);
  t.ok(lines.length > 0, `${when}: chronyd runs`);
  t.ok(lines.every((l) => /(^|\s)-x(\s|$)/.test(l)), `${when}: every chronyd runs with -x (${lines.join(' | ')})`);
}

t.test('chrony runs with -x in the container before stratum1d arrives', async (t) => {
  t.equal((await c.exec(['systemctl', 'is-active', 'chrony'])).stdout.trim(), 'active');
  await assertChronyNeverTouchesTheClock(t, 'before install');
  const journal = await c.exec(['journalctl', '-u', 'chrony', '-b', '-o', 'cat', '--no-pager']);
  t.match(journal.stdout, /Disabled control of system clock/, "chronyd's own log says it leaves the clock alone");
});

// --- install -------------------------------------------------------------------------------

let installed = false;
await t.test('apt install of the .deb works offline with no manual step', async (t) => {
  await c.copyIn(deb, `/tmp/${debName}`);
  const r = await c.exec(['apt-get', 'install', '-y', `/tmp/${debName}`], { timeoutMs: 15 * 60_000 });
  t.equal(r.code, 0, 'apt-get install exits 0', { output: `${r.stdout}\n${r.stderr}`.slice(-4000) });
  t.equal((await c.exec(['dpkg-query', '-W', '-f', '${Status} ${Version}', 'stratum1d'])).stdout, `install ok installed ${version}`, 'dpkg has it installed and configured');
  installed = r.code === 0;
});
/** Everything below needs the package: skipped (the install already failed loudly) without it. */
const withPackage = () => ({ skip: installed ? false : 'the package did not install' });

// --- MCP over stdio, as an SSH session runs it --------------------------------------------

type ToolResult = { isError?: boolean; content?: Array<{ type: string; text?: string }>; structuredContent?: Record<string, unknown> };
const text = (r: ToolResult) => (r.content ?? []).map((x) => x.text ?? '').join('\n');
/** The outcome word (applied, rolled-back, ...) wherever the tool puts it. */
const outcome = (r: ToolResult): string | undefined => {
  const s = r.structuredContent as { status?: string; details?: { status?: string } } | undefined;
  return s?.status ?? s?.details?.status;
};

/** `stratum1d mcp` run inside the container as root, spoken to over its stdio like an SSH session. */
async function withMcp<T>(use: (client: Client) => Promise<T>): Promise<T> {
  const { command, args, env } = c.commandInside(['stratum1d', 'mcp']);
  const transport = new StdioClientTransport({ command, args, env, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const client = new Client({ name: 'nspawn-system-test', version: '0' });
  await client.connect(transport);
  try {
    return await use(client);
  } catch (err) {
    (err as Error).message += `\n[stratum1d mcp stderr]\n${stderr}`;
    throw err;
  } finally {
    await client.close();
  }
}

// --- the service as installed --------------------------------------------------------------

t.test('the service runs as its own user, stratum1d', withPackage(), async (t) => {
  const props = await eventually(async () => {
    const p = await unitProps(c, 'stratum1d', ['ActiveState', 'SubState', 'MainPID', 'User']);
    return p.ActiveState === 'active' && p.MainPID !== '0' ? p : null;
  }, 90_000);
  t.match(props, { ActiveState: 'active', SubState: 'running' }, 'active (running) after apt install');
  const pid = Number(props?.MainPID ?? 0);
  const uid = (await c.must(`awk '/^Uid:/ {print $2, $3}' /proc/${pid}/status`)).trim();
  const want = (await c.must('id -u stratum1d')).trim();
  t.equal(uid, `${want} ${want}`, `real and effective uid of MainPID ${pid} are stratum1d's (${want})`);
  t.equal((await c.exec(['ps', '-o', 'user=', '-p', String(pid)])).stdout.trim(), 'stratum1d', 'ps shows user stratum1d');
  t.not(want, '0', 'not root');
});

t.test('no receiver: READY all the same, and the missing receiver is reported everywhere', withPackage(), async (t) => {
  const props = await unitProps(c, 'stratum1d', ['ActiveState', 'SubState', 'StatusText', 'NRestarts']);
  t.match(props, { ActiveState: 'active', SubState: 'running', NRestarts: '0' }, 'active (running), never restarted');
  t.match(props.StatusText, /receiver/i, `STATUS= names the missing receiver: "${props.StatusText}"`);
  t.match(props.StatusText, /\/dev\/serial0/, 'and its device');

  const status = await c.exec(['stratum1d', 'status']);
  t.equal(status.code, 0, '`stratum1d status` from a root shell answers', { stderr: status.stderr });
  t.match(status.stdout, /receiver/i, '`stratum1d status` says the receiver is missing');

  const alarmed = await eventually(async () => activeAlarms(await statusJson(c))?.find((a) => /receiver/.test(a.id)) ?? null, 60_000);
  t.ok(alarmed, `an alarm is raised for the missing receiver (${alarmed?.id}: ${alarmed?.message})`);

  const health = await withMcp(async (client) => (await client.callTool({ name: 'get_health', arguments: {} })) as ToolResult);
  t.match(text(health), /receiver/i, 'MCP get_health mentions the missing receiver');
});

t.test('journalctl -p warning shows warnings and not the info chatter', withPackage(), async (t) => {
  const warnings = await c.exec(['journalctl', '-u', 'stratum1d', '-b', '-p', 'warning', '-o', 'cat', '--no-pager']);
  const infos = await c.exec(['journalctl', '-u', 'stratum1d', '-b', '-p', 'info', '-o', 'cat', '--no-pager']);
  t.match(warnings.stdout, /GNSS port not available|cannot open/, 'the missing-port warning is there at -p warning');
  const readyLine = infos.stdout.split('\n').find((l) => /\bready\b/.test(l));
  t.ok(readyLine, `the ready line is logged at info: ${readyLine}`);
  t.notOk(readyLine && warnings.stdout.includes(readyLine), 'but filtered out at -p warning');
});

// --- a receiver appears --------------------------------------------------------------------

t.test('a receiver plugged in later is picked up without a restart and chronyd gets NMEA samples', withPackage(), async (t) => {
  const pidBefore = await mainPid(c, 'stratum1d');
  // A pty pair: /dev/serial0 (root:dialout 0660, like a real UART) is the receiver's end; the
  // simulator plays NMEA into the other. systemd-run: the container's systemd owns them.
  await c.must(
    `systemd-run --unit=systemtest-receiver-pty socat ${q('pty,link=/dev/serial0,raw,echo=0,group=dialout,mode=660')} ${q('pty,link=/dev/gnss-sim,raw,echo=0')}`,
  );
  await eventually(async () => (await c.exec(['test', '-e', '/dev/gnss-sim'])).code === 0, 30_000, 200);
  await c.must('systemd-run --unit=systemtest-receiver-sim stratum1d simulate --to /dev/gnss-sim');

  const s = await eventually(async () => {
    const j = await statusJson(c);
    return j?.state?.gnss?.link === 'open' && j.state.gnss.trust?.timeValid === true ? j : null;
  }, 120_000);
  t.equal(s?.state?.gnss?.link, 'open', 'the GNSS port is open');
  t.equal(s?.state?.gnss?.trust?.timeValid, true, 'GNSS time is valid');
  const props = await unitProps(c, 'stratum1d', ['MainPID', 'NRestarts', 'StatusText']);
  t.equal(Number(props.MainPID), pidBefore, 'same MainPID: picked up without a restart');
  t.equal(props.NRestarts, '0', 'NRestarts 0');
  t.notMatch(props.StatusText, /no GNSS receiver/i, `STATUS= no longer reports the receiver missing: "${props.StatusText}"`);
  const cleared = await eventually(async () => {
    const active = activeAlarms(await statusJson(c));
    return active !== undefined && !active.some((a) => /receiver/.test(a.id));
  }, 60_000);
  t.ok(cleared, 'the missing-receiver alarm clears');

  const src = await eventually(async () => {
    const x = await chronySource(c, 'NMEA');
    return x && x.reach > 0 && (x.samples ?? 0) > 0 ? x : null;
  }, 180_000, 2000);
  t.ok(src, `chronyd's NMEA refclock has samples (${JSON.stringify(src ?? (await chronySource(c, 'NMEA')))})`);
  const feed = (await statusJson(c))?.state?.timekeeper?.feed;
  t.ok((feed?.sockSent ?? 0) > 0, `stratum1d sent SOCK samples (${feed?.sockSent})`);
  t.equal(feed?.sockFailed ?? -1, 0, `none failed (last error: ${feed?.lastError ?? 'none'})`);
});

// --- operators -----------------------------------------------------------------------------

t.test('`stratum1d status` works for root and for an operator, and is refused clearly for others', withPackage(), async (t) => {
  const rootStatus = await c.exec(['stratum1d', 'status']);
  t.equal(rootStatus.code, 0, 'root: exit 0', { stderr: rootStatus.stderr });
  t.match(rootStatus.stdout, /daemon\s+stratum1d/, 'root: the daemon answers');

  await c.must('id op >/dev/null 2>&1 || useradd -m -s /bin/sh -G stratum1d op');
  await c.must('id visitor >/dev/null 2>&1 || useradd -m -s /bin/sh visitor');
  // A login shell, as `ssh op@host stratum1d status` gives: no RUNTIME_DIRECTORY, nothing from root.
  const op = await c.exec(['runuser', '-l', 'op', '-c', 'stratum1d status']);
  t.equal(op.code, 0, 'operator in group stratum1d: exit 0', { stderr: op.stderr });
  t.match(op.stdout, /daemon\s+stratum1d/, 'operator: the daemon answers');

  const visitor = await c.exec(['runuser', '-l', 'visitor', '-c', 'stratum1d status']);
  t.not(visitor.code, 0, 'a user outside the group is refused');
  const said = visitor.stdout + visitor.stderr;
  t.match(said, /permission denied/i, `it says why: ${said.trim()}`);
  t.match(said, /group stratum1d/, 'and which group grants access');
  t.notMatch(said, /not running/i, 'not the misleading "not running"');
  t.notMatch(said, /\n\s+at .+:\d+:\d+/, 'no stack trace');
});

t.test('systemctl reload keeps it running', withPackage(), async (t) => {
  const before = await unitProps(c, 'stratum1d', ['MainPID', 'NRestarts']);
  const r = await c.exec(['systemctl', 'reload', 'stratum1d']);
  t.equal(r.code, 0, 'systemctl reload exits 0', { stderr: r.stderr });
  const after = await eventually(async () => {
    const p = await unitProps(c, 'stratum1d', ['ActiveState', 'SubState', 'MainPID', 'NRestarts']);
    return p.ActiveState === 'active' && p.SubState === 'running' ? p : null;
  }, 30_000);
  t.match(after, { ActiveState: 'active', SubState: 'running' }, 'active (running) after reload');
  t.equal(after?.MainPID, before.MainPID, 'same MainPID');
  t.equal(after?.NRestarts, before.NRestarts, 'no restart');
  t.equal((await c.exec(['stratum1d', 'status'])).code, 0, 'status still answers');
});

// --- MCP admin tools through the privileged path -------------------------------------------

const INCLUDE = '/etc/chrony/conf.d/stratum1d.conf';
const ADMIN_CALL_TIMEOUT = { timeout: 5 * 60_000 };

t.test('MCP apply_timekeeper_config and restart_timekeeper really act, and a bad config is rolled back', withPackage(), async (t) => {
  await withMcp(async (client) => {
    const { tools } = await client.listTools();
    for (const name of ['apply_timekeeper_config', 'restart_timekeeper']) t.ok(tools.some((x) => x.name === name), `${name} listed`);

    await c.writeFile('/etc/stratum1d/config.yaml', EDITED_CONFIG);
    const chronyBefore = await mainPid(c, 'chrony');
    const applied = (await client.callTool({ name: 'apply_timekeeper_config', arguments: {} }, undefined, ADMIN_CALL_TIMEOUT)) as ToolResult;
    t.notOk(applied.isError, `apply succeeds: ${text(applied)}`);
    t.equal(outcome(applied), 'applied', 'outcome: applied');
    const include = await c.sh(`cat ${INCLUDE}`);
    t.match(include.stdout, /^allow 192\.168\.0\.0\/16$/m, `${INCLUDE} has the new allow line`);
    const chronyAfter = await mainPid(c, 'chrony');
    t.ok(chronyAfter > 0 && chronyAfter !== chronyBefore, `chronyd was restarted (pid ${chronyBefore} → ${chronyAfter})`);
    await assertChronyNeverTouchesTheClock(t, 'after apply');
    const privileged = await c.exec(['journalctl', '-b', '-u', 'stratum1d-admin@apply.service', '-o', 'cat', '--no-pager']);
    t.match(privileged.stdout, /apply: applied/, 'the root side did it (stratum1d-admin@apply.service logged the outcome), not the hardened daemon');
    const resumed = await eventually(async () => {
      const x = await chronySource(c, 'NMEA');
      return x && x.reach > 0 ? x : null;
    }, 180_000, 2000);
    t.ok(resumed, 'the restarted chronyd gets NMEA samples again (its new socket is writable for stratum1d)');

    const beforeRestart = await mainPid(c, 'chrony');
    const restarted = (await client.callTool({ name: 'restart_timekeeper', arguments: {} }, undefined, ADMIN_CALL_TIMEOUT)) as ToolResult;
    t.notOk(restarted.isError, `restart_timekeeper succeeds: ${text(restarted)}`);
    const afterRestart = await mainPid(c, 'chrony');
    t.ok(afterRestart > 0 && afterRestart !== beforeRestart, `chronyd restarted (pid ${beforeRestart} → ${afterRestart})`);
    t.equal((await c.exec(['systemctl', 'is-active', 'chrony'])).stdout.trim(), 'active', 'chrony active');
    await assertChronyNeverTouchesTheClock(t, 'after restart_timekeeper');

    const goodInclude = (await c.sh(`cat ${INCLUDE}`)).stdout;
    const validates = await c.sh(`printf '%s\\n' ${q('refclock SOCK /run/stratum1d-chrony/absent/nmea.sock refid NMEA')} > /tmp/probe.conf && chronyd -p -f /tmp/probe.conf >/dev/null`);
    t.equal(validates.code, 0, 'the bad candidate is one `chronyd -p` accepts (so only the restart can catch it)');
    await c.writeFile('/etc/stratum1d/config.yaml', START_FAILING_CONFIG);
    const rolled = (await client.callTool({ name: 'apply_timekeeper_config', arguments: {} }, undefined, ADMIN_CALL_TIMEOUT)) as ToolResult;
    t.equal(rolled.isError, true, 'the tool reports a failure');
    t.equal(outcome(rolled), 'rolled-back', `outcome: rolled-back (${text(rolled)})`);
    t.match(JSON.stringify(rolled.structuredContent ?? {}) + text(rolled), /reason/i, 'with the reason');
    t.equal((await c.sh(`cat ${INCLUDE}`)).stdout, goodInclude, `${INCLUDE} is the previous one again`);
    t.equal((await c.exec(['systemctl', 'is-active', 'chrony'])).stdout.trim(), 'active', 'chrony runs');
    const running = await c.sh(`chronyc -c -n sources`);
    t.match(running.stdout, /NMEA/, 'chronyd runs the previous include (its NMEA refclock is there)');
    await assertChronyNeverTouchesTheClock(t, 'after the rollback');
  });
  await c.writeFile('/etc/stratum1d/config.yaml', EDITED_CONFIG);
});

t.test('`stratum1d config apply` from a root shell applies /etc/stratum1d/config.yaml, as that file tells the user to', withPackage(), async (t) => {
  const r = await c.exec(['stratum1d', 'config', 'apply'], { timeoutMs: 5 * 60_000 });
  t.equal(r.code, 0, 'exit 0', { output: `${r.stdout}\n${r.stderr}` });
  const include = (await c.sh(`cat ${INCLUDE}`)).stdout;
  t.match(include, /^allow 192\.168\.0\.0\/16$/m, "the operator's edit is still in chrony's include (not the defaults)");
  if (!/^allow 192\.168\.0\.0\/16$/m.test(include)) await c.exec(['stratum1d', 'config', 'apply', '--config', '/etc/stratum1d/config.yaml'], { timeoutMs: 5 * 60_000 });
});

// --- bad configuration -----------------------------------------------------------------------

t.test('a corrupt config stops the unit once with exit 78, and status names the key', withPackage(), async (t) => {
  await c.writeFile('/etc/stratum1d/config.yaml', `${EDITED_CONFIG}gnss:\n  devcie: /dev/ttyUSB0\n`);
  await c.exec(['systemctl', 'restart', 'stratum1d'], { timeoutMs: 5 * 60_000 });
  const failed = await eventually(async () => {
    const p = await unitProps(c, 'stratum1d', ['ActiveState', 'SubState', 'ExecMainStatus', 'Result', 'NRestarts']);
    return p.ActiveState === 'failed' || p.ActiveState === 'inactive' ? p : null;
  }, 120_000);
  t.match(failed, { ActiveState: 'failed', ExecMainStatus: '78' }, 'failed with exit status 78');
  // RestartSec=5s: wait well past it; a restart loop would show as activating or a count.
  await new Promise((r) => setTimeout(r, 20_000));
  const later = await unitProps(c, 'stratum1d', ['ActiveState', 'SubState', 'NRestarts', 'ExecMainStatus']);
  t.equal(later.ActiveState, 'failed', 'still stopped after RestartSec: no restart loop');
  t.equal(later.NRestarts, '0', 'NRestarts stays 0');

  const journal = await c.exec(['journalctl', '-u', 'stratum1d', '-b', '-n', '200', '-o', 'cat', '--no-pager']);
  t.match(journal.stdout, /gnss\.devcie/, "the journal names the key's path");
  const status = await c.exec(['stratum1d', 'status']);
  const said = status.stdout + status.stderr;
  t.not(status.code, 0, '`stratum1d status` exits non-zero');
  t.match(said, /stopped/i, `status says it stopped: ${said.trim()}`);
  t.match(said, /configuration/i, 'because of its configuration');
  t.match(said, /gnss\.devcie/, 'and names the key');
  t.notMatch(said, /\/tmp\/stratum1d-/, 'without sending the user to a per-user socket path that never existed');

  await c.writeFile('/etc/stratum1d/config.yaml', EDITED_CONFIG);
  const back = await c.exec(['systemctl', 'restart', 'stratum1d'], { timeoutMs: 5 * 60_000 });
  t.equal(back.code, 0, 'with the config fixed, systemctl restart brings it back', { stderr: back.stderr });
  t.equal((await c.exec(['systemctl', 'is-active', 'stratum1d'])).stdout.trim(), 'active');
});

// --- reinstall, upgrade, purge -----------------------------------------------------------------

async function assertStateKept(t: Test, when: string) {
  t.equal((await c.sh('cat /var/lib/stratum1d/systemtest-marker')).stdout, 'kept\n', `${when}: /var/lib/stratum1d content kept`);
  t.equal((await c.exec(['test', '-s', '/var/lib/stratum1d/stratum1d.db'])).code, 0, `${when}: the database is still there`);
  t.equal((await c.sh('cat /etc/stratum1d/config.yaml')).stdout, EDITED_CONFIG, `${when}: the edited config is kept`);
  t.match((await c.sh(`cat ${INCLUDE}`)).stdout, /^allow 192\.168\.0\.0\/16$/m, `${when}: the include still renders the edited config`);
  const active = await eventually(async () => (await c.exec(['systemctl', 'is-active', 'stratum1d'])).stdout.trim() === 'active', 60_000);
  t.ok(active, `${when}: stratum1d active`);
  t.equal((await c.exec(['stratum1d', 'status'])).code, 0, `${when}: status answers`);
}

t.test('reinstall and upgrade keep the state and the edited config', withPackage(), async (t) => {
  await c.must('printf "kept\\n" > /var/lib/stratum1d/systemtest-marker && chown stratum1d:stratum1d /var/lib/stratum1d/systemtest-marker');
  const re = await c.exec(['apt-get', 'install', '-y', '--reinstall', `/tmp/${debName}`], { timeoutMs: 15 * 60_000 });
  t.equal(re.code, 0, 'reinstalling the same .deb works', { output: `${re.stdout}\n${re.stderr}`.slice(-3000) });
  await assertStateKept(t, 'after reinstall');

  const up = await repackAsUpgrade(deb, work);
  await c.copyIn(up.deb, `/tmp/${basename(up.deb)}`);
  const r = await c.exec(['apt-get', 'install', '-y', `/tmp/${basename(up.deb)}`], { timeoutMs: 15 * 60_000 });
  t.equal(r.code, 0, `upgrading to ${up.version} works with no prompt`, { output: `${r.stdout}\n${r.stderr}`.slice(-3000) });
  t.equal((await c.exec(['dpkg-query', '-W', '-f', '${Version}', 'stratum1d'])).stdout, up.version, 'the new version is installed');
  await assertStateKept(t, 'after upgrade');
  t.equal((await c.exec(['chronyc', '-c', '-n', 'sources'])).stdout.includes('NMEA'), true, 'chronyd still has the NMEA refclock');
});

t.test('purge removes what the install added', withPackage(), async (t) => {
  const r = await c.exec(['apt-get', 'purge', '-y', 'stratum1d'], { timeoutMs: 15 * 60_000 });
  t.equal(r.code, 0, 'apt-get purge exits 0', { output: `${r.stdout}\n${r.stderr}`.slice(-3000) });
  for (const path of [
    '/var/lib/stratum1d',
    INCLUDE,
    `${INCLUDE}.bak`,
    '/usr/lib/systemd/system/stratum1d.service',
    '/usr/lib/systemd/system/stratum1d-admin@.service',
    '/usr/lib/systemd/system/stratum1d-admin@.path',
    '/usr/lib/systemd/system/chrony.service.d/stratum1d.conf',
    '/usr/lib/stratum1d',
    '/usr/bin/stratum1d',
    '/etc/stratum1d/config.yaml',
    '/run/stratum1d-admin',
  ]) {
    t.equal((await c.exec(['test', '-e', path])).code, 1, `${path} is gone`);
  }
  t.equal((await unitProps(c, 'stratum1d', ['LoadState'])).LoadState, 'not-found', 'systemd no longer knows stratum1d.service');
  t.equal((await c.exec(['getent', 'passwd', 'stratum1d'])).code, 2, 'the stratum1d user is removed');
  t.equal((await c.exec(['systemctl', 'is-active', 'chrony'])).stdout.trim(), 'active', 'chrony keeps running');
  t.notMatch((await c.exec(['chronyc', '-c', '-n', 'sources'])).stdout, /NMEA/, 'without the NMEA refclock');
  await assertChronyNeverTouchesTheClock(t, 'after purge');
});
