import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import t from 'tap';
import { HTTP_LIMITS } from '../../src/daemon/http/http-server.js';
import { BIN, eventually, tempDir } from '../helpers/daemon-process.js';
import { freeUdpPort } from '../helpers/ports.js';

/**
 * The built daemon serving /health and /metrics over real HTTP, checked by the real
 * `promtool check metrics`. The daemon runs as `nobody` when the test runs as root (the
 * shipped service is unprivileged): nothing here needs more.
 */
const PROMTOOL = process.env.PROMTOOL ?? '/opt/prometheus/usr/bin/promtool';
const asRoot = process.getuid?.() === 0;
const NOBODY = 65534;

class Daemon {
  readonly lines: string[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(readonly dir: string, config: string, args: string[] = ['--simulate']) {
    const cfg = join(dir, 'config.yaml');
    writeFileSync(cfg, `paths:\n  runtimeDir: ${join(dir, 'run')}\n  stateDir: ${join(dir, 'state')}\n${config}`);
    const argv = [process.execPath, BIN, 'run', '--config', cfg, ...args];
    if (asRoot) chownR(dir, NOBODY);
    const [cmd, ...rest] = asRoot ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ...argv] : argv;
    this.child = spawn(cmd!, rest, { env: { PATH: process.env.PATH, HOME: dir }, stdio: ['ignore', 'ignore', 'pipe'] });
    let buf = '';
    this.child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      buf += c;
      const parts = buf.split('\n');
      buf = parts.pop() ?? '';
      this.lines.push(...parts);
    });
    this.exited = new Promise((r) => this.child.once('exit', (code) => r(code)));
  }

  log(msg: string): Record<string, unknown> | undefined {
    for (const l of this.lines) {
      try {
        const r = JSON.parse(l) as Record<string, unknown>;
        if (r.msg === msg) return r;
      } catch {
        // not JSON
      }
    }
    return undefined;
  }

  async url(): Promise<string> {
    const r = await eventually(() => {
      if (this.child.exitCode !== null) throw new Error(`daemon exited ${this.child.exitCode}: ${this.lines.join('\n')}`);
      return this.log('HTTP listening');
    }, 30_000, 'HTTP listening');
    return r.url as string;
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}

function chownR(path: string, uid: number): void {
  chownSync(path, uid, uid);
  for (const e of readdirSync(path, { withFileTypes: true })) if (e.isDirectory()) chownR(join(path, e.name), uid);
  for (const e of readdirSync(path, { withFileTypes: true })) if (e.isFile()) chownSync(join(path, e.name), uid, uid);
}

function series(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    m.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return m;
}

/** TCP sockets in LISTEN state that belong to `pid` (from /proc: what the process really bound). */
function listeningSockets(pid: number): string[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  const out: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] === '0A' && inodes.has(f[9]!)) out.push(`${table}:${f[1]}`);
    }
  }
  return out;
}

const base = 'timekeeper:\n  kind: none\ngpsd:\n  port: 0\n';

t.test('simulator: /health ok, /metrics passes promtool with plausible values', async (t) => {
  const d = new Daemon(tempDir(), `${base}http:\n  listen: 127.0.0.1:0\n`);
  t.teardown(() => d.stop());
  const url = await d.url();
  if (asRoot) t.match(readFileSync(`/proc/${d.child.pid}/status`, 'utf8'), /^Uid:\s+65534\s/m, 'the daemon runs as nobody');

  const health = await eventually(async () => {
    const r = await fetch(`${url}/health`);
    const body = (await r.json()) as { status: string; components: Record<string, { status: string; message: string }> };
    return r.status === 200 && body.status === 'ok' ? { r, body } : undefined;
  }, 30_000, '/health ok once the simulated fix is trusted');
  t.equal(health.r.headers.get('content-type'), 'application/json; charset=utf-8');
  t.same(Object.keys(health.body.components).sort(), ['disk', 'eventLoop', 'fleet', 'gnss', 'memory', 'pps', 'rtc', 'timekeeper']);
  t.match(health.body.components.gnss!.message, /time valid, 3D fix/);

  // The event-loop window completes after 10 s: wait for it so its series are checked too.
  const scrape = await eventually(async () => {
    const r = await fetch(`${url}/metrics`);
    const body = await r.text();
    return /^nodejs_eventloop_lag_p99_seconds /m.test(body) ? { r, body } : undefined;
  }, 40_000, 'an event-loop window in /metrics');
  t.equal(scrape.r.status, 200);
  t.equal(scrape.r.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  const text = scrape.body;

  if (existsSync(PROMTOOL)) {
    const p = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    t.equal(p.status, 0, 'promtool check metrics passes');
    t.equal(`${p.stdout}${p.stderr}`.trim(), '', 'with no lint problems');
  } else {
    t.fail(`promtool not found at ${PROMTOOL}: install prometheus (see .ci/run) or set PROMTOOL`);
  }

  const m = series(text);
  t.equal(m.get('stratum1d_health_status'), 0);
  t.equal(m.get('stratum1d_gnss_fix_mode'), 3);
  t.equal(m.get('stratum1d_gnss_time_valid'), 1);
  t.equal(m.get('stratum1d_gnss_link_state{state="open"}'), 1);
  const used = m.get('stratum1d_gnss_satellites_used')!;
  const visible = m.get('stratum1d_gnss_satellites_visible')!;
  t.ok(used >= 4 && used <= visible, `satellites used ${used} of ${visible}`);
  const cn0 = m.get('stratum1d_gnss_cn0_mean_dbhz{satellites="used"}')!;
  t.ok(cn0 > 20 && cn0 < 60, `mean C/N0 ${cn0} dB-Hz`);
  const hdop = m.get('stratum1d_gnss_dop{dop="hdop"}')!;
  t.ok(hdop > 0 && hdop < 5, `HDOP ${hdop}`);
  t.ok(m.get('stratum1d_pps_pulses_total')! >= 3, 'pulses counted');
  t.equal(m.get('stratum1d_pps_condition{condition="ok"}'), 1);
  t.equal(m.get('stratum1d_rtc_readable'), 1);
  const temp = m.get('stratum1d_rtc_temperature_celsius')!;
  t.ok(temp > -40 && temp < 85, `RTC temperature ${temp} °C`);
  t.ok(m.has('stratum1d_holdover_budget_seconds'));
  t.equal(m.get('stratum1d_timekeeper_info{kind="none"}'), 1);
  t.ok(m.has('stratum1d_alarms_active{severity="critical"}'));
  t.ok(m.has('stratum1d_mcp_tool_calls_total{outcome="ok"}'));
  t.equal(m.get('stratum1d_gpsd_clients'), 0);
  const rss = m.get('process_resident_memory_bytes')!;
  t.ok(rss > 10e6 && rss < 2e9, `RSS ${rss}`);
  t.ok(m.get('process_open_fds')! > 3);
  const start = m.get('process_start_time_seconds')!;
  t.ok(Math.abs(start - Date.now() / 1000) < 600, 'start time is recent');
  t.ok(m.get('nodejs_eventloop_lag_p99_seconds')! >= 0);
  t.ok(m.get('stratum1d_state_filesystem_avail_bytes')! > 0);
  t.ok([...m.keys()].some((k) => k.startsWith('stratum1d_build_info{') && k.includes('mode="simulate"')));
  t.ok(m.get('stratum1d_http_requests_total{route="/health"}')! >= 1);
  t.notMatch(text, /PRN|svid/, 'no per-satellite series');

  let r = await fetch(`${url}/health`, { method: 'HEAD' });
  t.equal(r.status, 200);
  t.equal(await r.text(), '');
  r = await fetch(`${url}/metrics`, { method: 'POST', body: 'x' });
  t.equal(r.status, 405);
  await r.text();
  r = await fetch(`${url}/`);
  t.equal(r.status, 404);
  await r.text();
  t.equal(await d.stop(), 0);
});

/** Raw bytes to the endpoint; resolves with all it sent once it closed the connection (60 s at most). */
function exchange(port: number, request: string, trickle?: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s: Socket = connect(port, '127.0.0.1');
    let out = '';
    s.setEncoding('utf8').on('data', (d: string) => (out += d));
    s.on('error', () => undefined);
    const drip = trickle ? setInterval(() => s.writable && s.write(trickle()), 500) : null;
    const limit = setTimeout(() => {
      s.destroy();
      reject(new Error(`the endpoint kept the connection open for 60 s; it sent: ${out.slice(0, 200)}`));
    }, 60_000);
    s.on('close', () => {
      if (drip) clearInterval(drip);
      clearTimeout(limit);
      resolve(out);
    });
    s.write(request);
  });
}
const statuses = (text: string): string[] => text.match(/^HTTP\/1\.1 \d{3}/gm) ?? [];

t.test('one connection costs a bounded amount: pipelining, huge heads, bodies, upgrades and slow heads against the built daemon', async (t) => {
  const d = new Daemon(tempDir(), `${base}http:\n  listen: 127.0.0.1:0\n`);
  t.teardown(() => d.stop());
  const url = await d.url();
  const port = Number(new URL(url).port);

  const pipelined = await exchange(port, 'GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n'.repeat(3 * HTTP_LIMITS.maxRequestsPerConnection));
  const answers = statuses(pipelined);
  t.equal(answers.length, HTTP_LIMITS.maxRequestsPerConnection, `${HTTP_LIMITS.maxRequestsPerConnection} of ${3 * HTTP_LIMITS.maxRequestsPerConnection} pipelined requests answered, then the connection closed`);
  t.ok(answers.every((a) => a === 'HTTP/1.1 200'), 'every one of them a full /metrics answer');
  t.match(pipelined.slice(pipelined.lastIndexOf('HTTP/1.1 200')), /connection: close/i, 'the last answer said it would close');

  t.match(await exchange(port, `GET /health HTTP/1.1\r\nHost: a\r\nX-Pad: ${'p'.repeat(2 * HTTP_LIMITS.maxHeaderBytes)}\r\n\r\n`), /^HTTP\/1\.1 431 /, 'a head over the limit: 431');
  t.same(statuses(await exchange(port, 'GET /health HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nbodyGET /health HTTP/1.1\r\nHost: a\r\n\r\n')), ['HTTP/1.1 400'], 'a GET with a body: 400, and the connection closed');
  t.same(statuses(await exchange(port, `GET /health HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n${'GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n'.repeat(200)}`)), ['HTTP/1.1 400'], 'an upgrade request: 400, nothing pipelined behind it answered');
  let n = 0;
  const slow = await exchange(port, 'GET /health HTTP/1.1\r\nHost: a\r\n', () => `X-${n++}: y\r\n`);
  t.same(statuses(slow), ['HTTP/1.1 408'], `a head still incomplete ${HTTP_LIMITS.headersTimeoutMs} ms after the connect: 408 (${n} header lines trickled in)`);

  const r = await fetch(`${url}/health`);
  t.ok(r.status === 200 || r.status === 503, `another client is still answered (${r.status})`);
  await r.text();
  // Each refusal is counted where an operator looks.
  const metrics = await (await fetch(`${url}/metrics`)).text();
  const refused = (reason: string): number => Number(metrics.match(new RegExp(`^stratum1d_http_refused_total\\{reason="${reason}"\\} (\\d+)$`, 'm'))?.[1] ?? NaN);
  for (const reason of ['header', 'body', 'upgrade', 'slow-request']) t.ok(refused(reason) >= 1, `stratum1d_http_refused_total{reason="${reason}"} = ${refused(reason)}`);
  t.equal(await d.stop(), 0, 'and the daemon stops cleanly');
});

t.test('no receiver: GNSS down, appliance degraded (200); chronyd not answering: down (503)', async (t) => {
  const dir = tempDir();
  const port = await freeUdpPort(); // nothing answers there
  const d = new Daemon(
    dir,
    [
      'timekeeper:',
      '  kind: chrony',
      '  statusIntervalS: 1',
      '  chrony:',
      `    commandSocket: 127.0.0.1:${port}`,
      `    sockPath: ${join(dir, 'no-chrony.sock')}`,
      '  pps:',
      '    kind: none',
      'gpsd:',
      '  port: 0',
      'gnss:',
      `  device: ${join(dir, 'no-such-tty')}`,
      'rtc:',
      '  model: none',
      'pps:',
      '  kernel:',
      `    sysfsRoot: ${join(dir, 'no-sysfs')}`,
      'http:',
      '  listen: 127.0.0.1:0',
      '',
    ].join('\n'),
    [],
  );
  t.teardown(() => d.stop());
  const url = await d.url();
  type H = { status: string; components: Record<string, { status: string; message: string; critical: boolean }> };
  const first = await eventually(async () => {
    const r = await fetch(`${url}/health`);
    const body = (await r.json()) as H;
    return body.components.gnss!.status === 'down' ? { code: r.status, body } : undefined;
  }, 30_000, 'GNSS reported down');
  t.match(first.body.components.gnss!.message, /no GNSS receiver at .*no-such-tty/);
  t.equal(first.body.components.gnss!.critical, false);

  const down = await eventually(async () => {
    const r = await fetch(`${url}/health`);
    const body = (await r.json()) as H;
    return body.components.timekeeper!.status === 'down' ? { code: r.status, body } : undefined;
  }, 60_000, 'the timekeeper reported down');
  t.equal(down.code, 503, 'HTTP 503 when down');
  t.equal(down.body.status, 'down');
  t.match(down.body.components.timekeeper!.message, /chrony not answering/);
  const m = series(await (await fetch(`${url}/metrics`)).text());
  t.equal(m.get('chrony_up'), 0, 'chrony_exporter\'s chrony_up says the same');
  t.equal(m.get('stratum1d_health_status'), 2);
  t.equal(m.get('stratum1d_component_health_status{component="gnss"}'), 2);
  await d.stop();
});

t.test('http.listen: off binds nothing; a port in use stops the start with exit 75', async (t) => {
  const off = new Daemon(tempDir(), `timekeeper:\n  kind: none\ngpsd:\n  enabled: false\nhttp:\n  listen: 'off'\n`);
  t.teardown(() => off.stop());
  await eventually(() => {
    if (off.child.exitCode !== null) throw new Error(off.lines.join('\n'));
    return off.log('ready');
  }, 30_000, 'ready');
  t.ok(off.log('HTTP health/metrics endpoint off (http.listen: off)'));
  t.notOk(off.log('HTTP listening'));
  t.same(listeningSockets(off.child.pid!), [], 'the daemon listens on no TCP port at all');
  t.equal(await off.stop(), 0);

  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => blocker.close());
  const port = (blocker.address() as { port: number }).port;
  const busy = new Daemon(tempDir(), `${base}http:\n  listen: 127.0.0.1:${port}\n`);
  t.equal(await busy.exited, 75, 'exit 75 (EX_TEMPFAIL), as for a taken gpsd port');
  t.match(busy.lines.join('\n'), /cannot start the HTTP health\/metrics endpoint.*EADDRINUSE/);
});

t.test('a bad http.listen is a configuration error naming the key (exit 78)', async (t) => {
  const d = new Daemon(tempDir(), `${base}http:\n  listen: 127.0.0.1\n`);
  t.equal(await d.exited, 78);
  t.match(d.lines.join('\n'), /http\.listen/);
});
