import t from 'tap';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BIN } from '../helpers/daemon-process.js';
import { freeTcpPort } from '../helpers/ports.js';

/**
 * `npm run demo:fleet` (scripts/demo-fleet.mjs) as a newcomer runs it, with 3 appliances: it
 * prints a dashboard URL and a login; the login works, the dashboard's API and the collector's
 * /health show the appliances reporting, `collector devices` on the printed database shows their
 * records. Ctrl-C (SIGINT to the whole process group, as a terminal sends it) stops everything:
 * exit 0, no process left in the group, the temporary directory removed.
 */

const DEMO = new URL('../../scripts/demo-fleet.mjs', import.meta.url).pathname;
const DEVICES = 3;

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

async function until<T>(fn: () => Promise<T | undefined> | T | undefined, ms: number, what: string, demo: ChildProcess, out: () => string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (demo.exitCode !== null || demo.signalCode !== null) throw new Error(`the demo exited (${demo.exitCode ?? demo.signalCode}) while waiting for ${what}:\n${out()}`);
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}:\n${out()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function json(url: string, headers: Record<string, string> = {}): Promise<Record<string, unknown> | undefined> {
  try {
    const r = await fetch(url, { headers });
    return r.ok ? ((await r.json()) as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

t.test('npm run demo:fleet: dashboard URL, working login, appliances reporting, clean Ctrl-C', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 's1d-demo-home-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const listen = `127.0.0.1:${await freeTcpPort()}`;
  const demo = spawn(process.execPath, [DEMO], {
    env: { PATH: process.env.PATH, HOME: home, DEMO_DEVICES: String(DEVICES), DEMO_LISTEN: listen },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so the test can signal it as a terminal would and find orphans
  });
  const pgid = demo.pid!;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => demo.once('exit', (code, signal) => r({ code, signal })));
  let demoDir: string | undefined;
  t.teardown(() => {
    if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
    if (demoDir) rmSync(demoDir, { recursive: true, force: true }); // left behind when the demo was killed
  });
  let stdout = '';
  let stderr = '';
  demo.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  demo.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const out = (): string => `stdout:\n${stdout}\nstderr:\n${stderr}`;

  // The demo builds first when dist/ is older than src/: a generous deadline for that.
  const printed = await until(() => {
    const url = /^ {2}dashboard +(http:\/\/\S+)\/$/m.exec(stdout)?.[1];
    const login = /^ {2}login +(\S+) \/ (\S+)$/m.exec(stdout);
    const db = /^ {2}database +(\S+) /m.exec(stdout)?.[1];
    return url && login && db ? { url, user: login[1]!, password: login[2]!, db } : undefined;
  }, 180_000, 'the dashboard URL', demo, out);
  demoDir = dirname(printed.db);
  t.equal(printed.url, `http://${listen}`, 'the dashboard is where DEMO_LISTEN says');
  t.match(stdout, new RegExp(`a collector and ${DEVICES} simulated appliances`));

  const health = await until(async () => {
    const h = (await json(`${printed.url}/health`)) as { fleet?: { devices: number; reporting: number } } | undefined;
    return h?.fleet && h.fleet.devices === DEVICES && h.fleet.reporting === DEVICES ? h : undefined;
  }, 60_000, `${DEVICES} appliances reporting on /health`, demo, out);
  t.match(health, { status: 'ok', fleet: { devices: DEVICES, reporting: DEVICES } });

  const form = new URLSearchParams({ user: printed.user, password: printed.password, next: '/' });
  const login = await fetch(`${printed.url}/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
  t.equal(login.status, 303, 'the printed login works');
  const cookie = login.headers.get('set-cookie')?.split(';')[0] ?? '';
  const fleet = (await json(`${printed.url}/api/fleet.json`, { cookie })) as { expected?: number; reporting?: number } | undefined;
  t.match(fleet, { expected: DEVICES, reporting: DEVICES }, 'the dashboard API shows the appliances reporting');

  const listed = spawnSync(process.execPath, [BIN, 'collector', 'devices', '--db', printed.db, '--json'], { encoding: 'utf8', timeout: 60_000 });
  t.equal(listed.status, 0, listed.stderr);
  const devices = JSON.parse(listed.stdout) as Array<{ name: string; lastSeq: number; stored: number }>;
  t.equal(devices.length, DEVICES, `${DEVICES} appliances in the printed database`);
  t.ok(devices.every((d) => d.stored > 0 && d.lastSeq > 0), `each has stored records (${devices.map((d) => d.stored).join(', ')})`);

  // Ctrl-C: SIGINT to the whole group.
  process.kill(-pgid, 'SIGINT');
  let timer: NodeJS.Timeout | undefined;
  const end = await Promise.race([exited, new Promise<null>((r) => (timer = setTimeout(() => r(null), 60_000)))]);
  clearTimeout(timer);
  t.ok(end, 'the demo exits after Ctrl-C');
  t.same(end, { code: 0, signal: null }, 'exit 0', { output: out() });
  t.notOk(groupAlive(pgid), 'no process of the demo is left running');
  t.notOk(existsSync(demoDir), 'the temporary directory is removed');
});
