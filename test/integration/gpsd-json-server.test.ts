// The gpsd JSON server against gpsd's own client tools: gpspipe (-w, -r, -R, -P) and cgps
// (curses, read back through tmux). The server is fed in-process by the simulator:
// SimulatedGnssLink → GnssService (NmeaPipeline) → GpsdJsonServer.
import t from 'tap';
import { execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { ApplianceStore, initialState } from '../../src/daemon/core/appliance-state.js';
import { attachGnssFeed } from '../../src/daemon/exports/gnss-feed.js';
import { GpsdJsonServer } from '../../src/daemon/exports/gpsd-json-server.js';
import { RequestParser } from '../../src/daemon/exports/request-parser.js';
import { applyWatch, DEFAULT_WATCH } from '../../src/daemon/exports/watch-policy.js';
import { GnssService } from '../../src/daemon/gnss/gnss-service.js';
import { createLogger } from '../../src/daemon/logger.js';
import { SimulatedGnssLink } from '../../src/drivers/sim/simulated-gnss-link.js';
import { nmeaChecksum } from '../../src/lib/nmea-checksum.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DEVICE = '/dev/ttySIM0';

const link = new SimulatedGnssLink({ path: DEVICE, latencyMs: 120 });
const store = new ApplianceStore(
  initialState({
    version: 'test',
    pid: process.pid,
    startedAt: Date.now(),
    mode: 'simulate',
    configSource: 'test',
    gnssDevice: DEVICE,
    timeValidAfter: 3,
    ppsSource: null,
    rtcModel: null,
  }),
);
const log = createLogger({ level: 'error', format: 'json' });
const gnss = new GnssService({
  link,
  store,
  log,
  pipeline: {},
  backoff: { initialMs: 100, maxMs: 1000 },
  epochQuietMs: 150,
  fixLogIntervalS: 3600,
});
const server = new GpsdJsonServer({
  listen: '127.0.0.1',
  port: 0,
  maxClients: 8,
  clientBufferBytes: 262_144,
  rev: 'stratum1d-test',
  device: { path: DEVICE, activatedAt: Date.now(), bps: 9600, cycleS: 1 },
});
const detach = attachGnssFeed(gnss, server);
const { port } = await server.listen();
gnss.start();
t.teardown(async () => {
  detach();
  await gnss.stop();
  await server.close();
});

type Obj = Record<string, unknown> & { class?: string };
async function gpspipe(args: string[]): Promise<string[]> {
  // -n counts lines; a generous timeout so a loaded box still finishes.
  const { stdout } = await run('gpspipe', [...args, `127.0.0.1:${port}`], { timeout: 20_000 });
  return stdout.split('\n').filter((l) => l.trim() !== '');
}
const json = (lines: string[]): Obj[] => lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Obj);

// Until the GNSS time is trusted (3 good epochs) TPV carries no time and no TOFF is sent
// (gpsd-time-gate.ts); these tests read the trusted stream.
for (const deadline = Date.now() + 60_000; !store.snapshot.gnss.trust.timeValid; await sleep(100)) {
  if (Date.now() > deadline) throw new Error('GNSS time never became valid');
}

t.test('gpspipe -w: VERSION, DEVICES, WATCH echo, then TPV and SKY from the simulator', async (t) => {
  const objs = json(await gpspipe(['-w', '-n', '14']));
  t.same(objs.slice(0, 3).map((o) => o.class), ['VERSION', 'DEVICES', 'WATCH'], 'greeting and WATCH reply in gpsd order');
  t.match(objs[0], { release: '3.22', rev: 'stratum1d-test', proto_major: 3, proto_minor: 14 });
  t.match(objs[1], { devices: [{ class: 'DEVICE', path: DEVICE, driver: 'NMEA0183', bps: 9600 }] });
  t.match(objs[2], { enable: true, json: true, nmea: false, raw: 0, pps: false });
  const tpv = objs.filter((o) => o.class === 'TPV' && o.mode === 3);
  t.ok(tpv.length >= 2, `3D TPV reports (${tpv.length})`);
  for (const r of tpv) {
    t.equal(r.device, DEVICE);
    t.ok(Math.abs(Date.parse(String(r.time)) - Date.now()) < 15_000, `TPV time ${String(r.time)} is now`);
    t.ok(Math.abs(Number(r.lat) - 48.1173) < 1e-6 && Math.abs(Number(r.lon) - 11.5167) < 1e-6, 'the simulated position');
    t.equal(r.altMSL, 545.4);
  }
  const sky = objs.filter((o) => o.class === 'SKY');
  t.ok(sky.length >= 1, 'SKY reports');
  t.ok(sky.every((s) => Array.isArray(s.satellites) && Number(s.uSat) > 0), 'SKY lists satellites, some used');
  // Whole seconds, one apart: one TPV per epoch.
  const secs = tpv.map((r) => Date.parse(String(r.time)) / 1000);
  t.ok(secs.slice(1).every((s, i) => s - secs[i]! === 1), `one TPV per second: ${secs.join(', ')}`);
});

t.test('gpspipe -r and -R: the NMEA lines as received', async (t) => {
  for (const flag of ['-r', '-R']) {
    const lines = await gpspipe([flag, '-n', '16']);
    const nmea = lines.filter((l) => l.startsWith('$'));
    t.ok(nmea.length >= 8, `${flag}: NMEA lines (${nmea.length})`);
    const bad = nmea.filter((l) => {
      const m = /^\$([^*]*)\*([0-9A-F]{2})\r?$/.exec(l);
      return !m || nmeaChecksum(m[1]!) !== parseInt(m[2]!, 16);
    });
    t.same(bad, [], `${flag}: every line intact with its checksum`);
    t.ok(nmea.some((l) => l.startsWith('$GNRMC,')) && nmea.some((l) => l.startsWith('$GNGGA,')), `${flag}: RMC and GGA`);
    t.notOk(lines.some((l) => l.includes('"class":"TPV"')), `${flag}: no JSON reports besides the greeting`);
  }
});

t.test('gpspipe -P -w: TOFF each cycle, the label against the arrival time', async (t) => {
  const objs = json(await gpspipe(['-P', '-w', '-n', '16']));
  t.match(objs[2], { class: 'WATCH', pps: true, json: true });
  const toff = objs.filter((o) => o.class === 'TOFF');
  t.ok(toff.length >= 2, `TOFF reports (${toff.length})`);
  for (const o of toff) {
    t.equal(o.device, DEVICE);
    t.equal(o.real_nsec, 0, 'labels are whole seconds');
    const delay = Number(o.clock_sec) - Number(o.real_sec) + (Number(o.clock_nsec) - Number(o.real_nsec)) / 1e9;
    t.ok(delay >= 0.115 && delay < 0.8, `first byte ${(delay * 1000).toFixed(1)} ms after the labelled second (latency 120 ms)`);
  }
});

t.test('what gpspipe and cgps send on connect parses and sets the expected policy', async (t) => {
  const capture = async (cmd: string[]): Promise<string> => {
    const got: Buffer[] = [];
    const srv = createServer((s) => s.on('data', (d) => got.push(d)));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const p = (srv.address() as { port: number }).port;
    const child = spawn(cmd[0]!, [...cmd.slice(1).map((a) => a.replace('PORT', String(p)))], { stdio: 'ignore' });
    await sleep(1500);
    child.kill('SIGKILL');
    srv.close();
    return Buffer.concat(got).toString();
  };
  const cases: [string[], Partial<typeof DEFAULT_WATCH>][] = [
    [['gpspipe', '-w', '127.0.0.1:PORT'], { enable: true, json: true }],
    [['gpspipe', '-r', '127.0.0.1:PORT'], { enable: true, nmea: true }],
    [['gpspipe', '-R', '127.0.0.1:PORT'], { enable: true, raw: 2 }],
    [['gpspipe', '-P', '-w', '127.0.0.1:PORT'], { enable: true, json: true, pps: true }],
    [['tmux', 'new-session', '-d', '-s', `capture-${process.pid}`, '-x', '120', '-y', '40', 'cgps 127.0.0.1:PORT'], { enable: true, json: true }],
  ];
  for (const [cmd, want] of cases) {
    const sent = await capture(cmd);
    if (cmd[0] === 'tmux') await run('tmux', ['kill-session', '-t', `capture-${process.pid}`]).catch(() => undefined);
    t.comment(`${cmd.join(' ')} sends ${JSON.stringify(sent)}`);
    const reqs = new RequestParser().push(sent);
    t.equal(reqs.length, 1, `${cmd[0]} ${cmd[1]}: one request`);
    const r = reqs[0]!;
    t.ok(r.kind === 'request' && r.name === 'WATCH', 'a ?WATCH');
    const applied = applyWatch(DEFAULT_WATCH, r.kind === 'request' ? r.arg : null);
    t.ok(applied.ok, 'valid WATCH');
    if (applied.ok) t.match(applied.policy, want);
  }
});

t.test('cgps shows our time and position', async (t) => {
  const session = `cgps-${process.pid}`;
  await run('tmux', ['new-session', '-d', '-s', session, '-x', '120', '-y', '40', `cgps 127.0.0.1:${port}`]);
  t.teardown(() => run('tmux', ['kill-session', '-t', session]).catch(() => undefined));
  let screen = '';
  const end = Date.now() + 15_000;
  while (Date.now() < end) {
    await sleep(500);
    screen = (await run('tmux', ['capture-pane', '-p', '-t', session])).stdout;
    if (/3D FIX/.test(screen) && /48\.117300/.test(screen)) break;
  }
  t.comment(screen.split('\n').slice(0, 12).join('\n'));
  t.match(screen, /Latitude:\s+48\.11730+ N/, 'latitude from our TPV');
  t.match(screen, /Longitude:\s+11\.51670+ E/, 'longitude from our TPV');
  t.match(screen, /3D FIX/, 'fix status');
  const m = /Time:\s+(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)/.exec(screen);
  t.ok(m, 'a UTC time is shown');
  if (m) t.ok(Math.abs(Date.parse(`${m[1]}Z`) - Date.now()) < 15_000, `cgps time ${m[1]} is now`);
  t.match(screen, /Used\s+\d+/, 'satellite counts from our SKY');
});

t.test('counters saw the clients', async (t) => {
  const s = server.stats();
  t.ok((s.requests.WATCH ?? 0) >= 5, `WATCH requests counted (${s.requests.WATCH})`);
  t.ok((s.reportsSent.TPV ?? 0) > 0 && (s.reportsSent.NMEA ?? 0) > 0 && (s.reportsSent.TOFF ?? 0) > 0);
  t.equal(s.reportsTooLarge, 0);
});
