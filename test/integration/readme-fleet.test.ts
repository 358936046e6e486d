import { spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import t from 'tap';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { BIN, eventually } from '../helpers/daemon-process.js';
import { hasPostgres, startPostgres } from '../helpers/postgres-lab.js';
import { CollectorProcess } from '../helpers/collector-process.js';

/**
 * The README's "Fleet" section, walked step by step with real processes: a collector on
 * SQLite, a device token, the real daemon (`run --simulate`, as `nobody` when the test runs as
 * root) uploading to it, `devices --json`, a dashboard login over real HTTP, `status --json`,
 * then `collector move` to a real PostgreSQL (postgres-lab), `serve` on it, and the same daemon,
 * still running with the same token, continuing with nothing lost or duplicated.
 *
 * README and test cannot drift: every command this test runs is built from a template that
 * must appear in the section's fenced code blocks ({X} stands for one word: a path, a port, a
 * name), and the daemon's config is the section's YAML block with its values filled in. The
 * only additions are test plumbing: `--simulate` (no receiver here), where the control socket
 * is (`status --config FILE`), and a short `fleet.intervalS`.
 */

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const asRoot = process.getuid?.() === 0;
const NOBODY = 65534;

function fleetSection(): string {
  const start = README.indexOf('\n## Fleet\n');
  if (start < 0) return '';
  const end = README.indexOf('\n## ', start + 1);
  return README.slice(start, end < 0 ? undefined : end);
}

function fencedBlocks(section: string): Array<{ lang: string; text: string }> {
  return [...section.matchAll(/^```(\w*)\n([\s\S]*?)^```/gm)].map((m) => ({ lang: m[1]!, text: m[2]! }));
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A template's regex: literal text, {X} = one word. */
const templateRe = (tpl: string) => new RegExp(tpl.split(/\{[A-Z]+\}/).map(escapeRe).join('\\S+'));

/** Every command the test runs, as the README must show it. */
const T = {
  serve: 'stratum1d collector serve --db {DB} --listen {LISTEN}',
  servePg: 'stratum1d collector serve --db postgres://{URL} --listen {LISTEN}',
  addDevice: 'stratum1d collector add-device {NAME} --db {DB}',
  devices: 'stratum1d collector devices --db {DB} --json',
  addUser: 'stratum1d collector add-user {NAME} --role admin --db {DB}',
  status: 'stratum1d status --json',
  move: 'stratum1d collector move --from {DB} --to postgres://{URL}',
} as const;

/** argv for node: the template filled in, `stratum1d` → bin/stratum1d.js. */
function argvOf(tpl: string, vals: Record<string, string>, extra: string[] = []): string[] {
  const words = tpl.split(' ').map((w) => w.replace(/\{([A-Z]+)\}/g, (_, k: string) => {
    if (vals[k] === undefined) throw new Error(`no value for {${k}}`);
    return vals[k]!;
  }));
  if (words[0] !== 'stratum1d') throw new Error(`not a stratum1d command: ${tpl}`);
  return [BIN, ...words.slice(1), ...extra];
}

function run(tpl: string, vals: Record<string, string>, opts: { input?: string; extra?: string[] } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argvOf(tpl, vals, opts.extra), { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}


async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const a = srv.address();
  const port = typeof a === 'object' && a ? a.port : 0;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function http(url: string, opts: { method?: string; cookie?: string; form?: Record<string, string> } = {}): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const body = opts.form ? new URLSearchParams(opts.form).toString() : undefined;
    const req = request(
      url,
      {
        method: opts.method ?? 'GET',
        headers: {
          ...(opts.cookie ? { Cookie: opts.cookie } : {}),
          ...(body !== undefined ? { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) } : {}),
        },
        timeout: 60_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** POST /login as the dashboard's form does; returns the session cookie ("name=value"). */
async function login(base: string, user: string, password: string): Promise<string> {
  const r = await http(`${base}/login`, { method: 'POST', form: { user, password, next: '/' } });
  if (r.status !== 303) throw new Error(`login answered ${r.status}: ${r.body.slice(0, 300)}`);
  const set = ([] as string[]).concat(r.headers['set-cookie'] ?? []);
  const cookie = set.map((c) => c.split(';')[0]!).find((c) => c.startsWith('s1d_session='));
  if (!cookie) throw new Error(`no session cookie in ${JSON.stringify(set)}`);
  return cookie;
}

function chownR(path: string, uid: number): void {
  chownSync(path, uid, uid);
  for (const e of readdirSync(path, { withFileTypes: true })) {
    if (e.isDirectory()) chownR(join(path, e.name), uid);
    else chownSync(join(path, e.name), uid, uid);
  }
}

interface DeviceJson {
  name: string;
  lastSeq: number;
  stored: number;
  gaps: number;
  lastSeen: number | null;
}

t.test('the README has a Fleet section showing every command this test runs', async (t) => {
  const section = fleetSection();
  t.ok(section.length > 0, 'README.md has "## Fleet"');
  t.ok(README.indexOf('\n## Fleet\n') < README.indexOf('\n## Configuration\n'), 'before the configuration reference');
  const code = fencedBlocks(section)
    .filter((b) => b.lang === 'sh')
    .map((b) => b.text)
    .join('\n');
  for (const [name, tpl] of Object.entries(T)) t.match(code, templateRe(tpl), `${name}: "${tpl}" is in a sh block`);
  const yaml = fencedBlocks(section).find((b) => b.lang === 'yaml');
  t.ok(yaml, 'a yaml block with the appliance config');
  const cfg = parseYaml(yaml?.text ?? '') as { fleet?: { url?: string; tokenFile?: string } };
  t.match(cfg, { fleet: { url: /^https?:\/\//, tokenFile: /^\// } }, 'fleet.url and fleet.tokenFile');
  t.match(section, /npm run demo:fleet/);
  t.match(section, /systemctl restart stratum1d/, 'says how to apply the fleet settings');
  t.match(section, /--tls-cert \S+ --tls-key \S+/);
  t.match(section, /`?ca: \S+/);
  t.match(section, /\/health/);
  t.match(section, /\/metrics/);
  t.match(README, /stratum1d run --config \S+/, 'how the daemon is run (the test adds --simulate)');
});

t.test('README Fleet walk-through: collector on SQLite, appliance, dashboard, move to PostgreSQL, nothing lost', { skip: hasPostgres ? false : 'PostgreSQL binaries not installed (apt-get install postgresql)' }, async (t) => {
  const section = fleetSection();
  const yamlBlock = fencedBlocks(section).find((b) => b.lang === 'yaml');
  if (!yamlBlock) throw new Error('no yaml block in the README Fleet section');

  const dir = mkdtempSync(join(asRoot ? '/tmp' : tmpdir(), 's1d-readme-fleet-'));
  chmodSync(dir, 0o755); // the appliance below runs as nobody
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const db = join(dir, 'fleet.db');
  const port = await freePort();
  const listen = `127.0.0.1:${port}`;
  const name = 'pi-lab-1';
  const password = 'correct horse battery';

  // ── Run a collector ──
  let collector = new CollectorProcess(argvOf(T.serve, { DB: db, LISTEN: listen }));
  t.teardown(() => collector.stop());
  const base = await collector.url;
  t.equal(base, `http://${listen}`);

  // ── Add an appliance ──
  const added = await run(T.addDevice, { NAME: name, DB: db });
  t.equal(added.code, 0, `add-device: ${added.stderr}`);
  const token = added.stdout.trim();
  t.match(token, /^\S{20,}$/, 'the token alone on stdout');

  const appliance = join(dir, 'appliance');
  mkdirSync(appliance);
  const tokenFile = join(appliance, 'fleet-token');
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o640 });
  // The README's config block, its values filled in, plus test plumbing.
  const cfg = parseYaml(yamlBlock.text) as { fleet: Record<string, unknown> } & Record<string, unknown>;
  cfg.fleet.url = base;
  cfg.fleet.tokenFile = tokenFile;
  cfg.fleet.intervalS = 1;
  cfg.fleet.timeoutMs = 2000;
  cfg.fleet.backoff = { initialMs: 100, maxMs: 1000 };
  cfg.paths = { runtimeDir: join(appliance, 'run'), stateDir: join(appliance, 'state') };
  cfg.timekeeper = { kind: 'none' };
  cfg.gpsd = { port: 0 };
  cfg.http = { listen: '127.0.0.1:0' };
  const configFile = join(appliance, 'config.yaml');
  writeFileSync(configFile, toYaml(cfg));
  if (asRoot) chownR(appliance, NOBODY);
  const daemonArgv = [process.execPath, BIN, 'run', '--config', configFile, '--simulate'];
  const [cmd, ...args] = asRoot ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ...daemonArgv] : daemonArgv;
  const daemon = spawn(cmd!, args, { env: { PATH: process.env.PATH, HOME: appliance }, stdio: ['ignore', 'ignore', 'pipe'] });
  const daemonLog: string[] = [];
  daemon.stderr!.setEncoding('utf8').on('data', (c: string) => daemonLog.length < 5000 && daemonLog.push(c));
  const daemonExit = new Promise<number | null>((r) => daemon.once('exit', (code) => r(code)));
  t.teardown(async () => {
    if (daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGKILL');
    await daemonExit;
  });
  const alive = () => {
    if (daemon.exitCode !== null) throw new Error(`the daemon exited ${daemon.exitCode}:\n${daemonLog.join('').slice(-4000)}`);
  };

  const devices = async (dbArg: string): Promise<DeviceJson[]> => {
    const r = await run(T.devices, { DB: dbArg });
    if (r.code !== 0) throw new Error(`devices --json exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as DeviceJson[];
  };
  const status = async (): Promise<{ fleet: { lastSeq: number; ackedSeq: number; backlog: number; lastError: string | null } } | undefined> => {
    const r = await run(T.status, {}, { extra: ['--config', configFile] });
    return r.code === 0 ? (JSON.parse(r.stdout) as { fleet: { lastSeq: number; ackedSeq: number; backlog: number; lastError: string | null } }) : undefined;
  };

  // devices --json: the appliance reports, its mark grows, nothing missing.
  const first = await eventually(async () => {
    alive();
    const d = (await devices(db)).find((x) => x.name === name);
    return d && d.lastSeq >= 3 ? d : undefined;
  }, 180_000, 'the appliance at the collector (lastSeq >= 3)');
  const grown = await eventually(async () => {
    alive();
    const d = (await devices(db)).find((x) => x.name === name);
    return d && d.lastSeq > first.lastSeq ? d : undefined;
  }, 120_000, 'lastSeq growing');
  t.equal(grown.gaps, 0, 'no gaps');
  t.equal(grown.stored, grown.lastSeq, 'stored == lastSeq on SQLite');
  t.ok(grown.lastSeen !== null);

  // ── See it on the dashboard ──
  const user = await run(T.addUser, { NAME: 'ops', DB: db }, { input: `${password}\n` });
  t.equal(user.code, 0, `add-user: ${user.stderr}`);
  const wrong = await http(`${base}/login`, { method: 'POST', form: { user: 'ops', password: 'not the password', next: '/' } });
  t.equal(wrong.status, 401, 'a wrong password is refused');
  t.equal((await http(`${base}/`)).status, 303, 'the fleet page needs a login');
  const cookie = await login(base, 'ops', password);
  const fleetPage = await http(`${base}/`, { cookie });
  t.equal(fleetPage.status, 200);
  t.match(fleetPage.body, `href="/device/${name}"`, 'the fleet table lists the appliance');
  const devicePage = await http(`${base}/device/${name}`, { cookie });
  t.equal(devicePage.status, 200, 'its page opens');

  // status --json on the appliance: fleet.lastSeq / ackedSeq / backlog / lastError.
  const st = await eventually(async () => {
    alive();
    const s = await status();
    return s && s.fleet.ackedSeq >= grown.lastSeq ? s : undefined;
  }, 120_000, 'status --json fleet.ackedSeq caught up with the collector');
  t.ok(st.fleet.lastSeq >= st.fleet.ackedSeq, 'lastSeq >= ackedSeq');
  t.equal(typeof st.fleet.backlog, 'number');
  t.ok('lastError' in st.fleet);

  // ── Move to PostgreSQL ──
  t.equal(await collector.stop(), 0, 'the SQLite collector stops cleanly');
  // The appliance notices the outage and keeps recording into its outbox.
  await eventually(async () => {
    alive();
    const s = await status();
    return s && s.fleet.lastError !== null && s.fleet.lastSeq > s.fleet.ackedSeq ? true : undefined;
  }, 120_000, 'the appliance seeing the collector gone, with a backlog');
  const atMove = (await devices(db)).find((x) => x.name === name)!;

  const lab = await startPostgres(t);
  const pgUrl = lab.url;
  const URL_ = pgUrl.replace(/^postgres:\/\//, '');
  const moved = await run(T.move, { DB: db, URL: URL_ });
  t.equal(moved.code, 0, `move: ${moved.stderr}`);
  t.match(moved.stderr, /verified/);
  t.match(moved.stderr, /\d+\/\d+ rows copied/, 'progress on stderr');
  const again = await run(T.move, { DB: db, URL: URL_ });
  t.equal(again.code, 1, 'a second move into the now non-empty database is refused');
  t.match(again.stderr, /not empty/);
  t.same(
    (await devices(pgUrl)).find((x) => x.name === name),
    atMove,
    'the device on PostgreSQL: same mark, counters, lastSeen',
  );

  collector = new CollectorProcess(argvOf(T.servePg, { URL: URL_, LISTEN: listen }));
  t.equal(await collector.url, base, 'serving on PostgreSQL at the same address');

  // The same daemon, same token, continues after the move: its backlog drains, the mark moves on.
  const after = await eventually(async () => {
    alive();
    const d = (await devices(pgUrl)).find((x) => x.name === name);
    return d && d.lastSeq > atMove.lastSeq + 3 ? d : undefined;
  }, 180_000, 'the appliance continuing on PostgreSQL');
  t.equal(after.gaps, 0);
  await eventually(async () => {
    alive();
    const s = await status();
    return s && s.fleet.ackedSeq > atMove.lastSeq && s.fleet.lastError === null ? true : undefined;
  }, 120_000, 'status --json: acknowledged past the move, no error');

  // Stop the appliance (its shutdown flush may upload once more), then count what is stored.
  daemon.kill('SIGTERM');
  t.equal(await daemonExit, 0, 'the daemon stops cleanly');
  const final = (await devices(pgUrl)).find((x) => x.name === name)!;
  t.equal(final.gaps, 0, 'no gaps');
  t.equal(final.stored, final.lastSeq, 'stored == lastSeq');
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  t.teardown(() => client.end());
  const q = await client.query<{ n: string; distinct_seqs: string; lo: string; hi: string }>(
    `SELECT count(*) AS n, count(DISTINCT seq) AS distinct_seqs, min(seq) AS lo, max(seq) AS hi
       FROM (SELECT seq FROM telemetry WHERE device = $1 UNION ALL SELECT seq FROM events WHERE device = $1) r`,
    [name],
  );
  const row = q.rows[0]!;
  t.equal(Number(row.n), final.lastSeq, 'rows in PostgreSQL == lastSeq');
  t.equal(Number(row.distinct_seqs), Number(row.n), 'no sequence number twice');
  t.equal(Number(row.lo), 1, 'from seq 1 (copied from SQLite)');
  t.equal(Number(row.hi), final.lastSeq, 'to lastSeq (uploaded after the move)');
  const partsBefore = await client.query<{ n: string }>('SELECT count(*) AS n FROM telemetry WHERE device = $1 AND seq > $2', [name, atMove.lastSeq]);
  t.ok(Number(partsBefore.rows[0]!.n) > 0, 'telemetry recorded after the move is there too');

  // The dashboard on PostgreSQL: the session from before the move still holds (the secret moved).
  const old = await http(`${base}/`, { cookie });
  t.equal(old.status, 200, 'a session issued on SQLite is still valid');
  t.match(old.body, `href="/device/${name}"`);
  const cookie2 = await login(base, 'ops', password);
  const page2 = await http(`${base}/`, { cookie: cookie2 });
  t.equal(page2.status, 200);
  t.match(page2.body, `href="/device/${name}"`, 'the fleet page on PostgreSQL lists the appliance');
  t.equal(await collector.stop(), 0);
});
