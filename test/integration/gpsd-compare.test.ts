// Our gpsd JSON server against real gpsd on the same NMEA stream: the simulator's lines
// go both to our server (in-process) and, through a socat pty, to `gpsd -N -n -b`.
// gpspipe -w reads both; the reports must agree on every field both of us print.
import t from 'tap';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApplianceStore, initialState } from '../../src/daemon/core/appliance-state.js';
import { attachGnssFeed } from '../../src/daemon/exports/gnss-feed.js';
import { GpsdJsonServer } from '../../src/daemon/exports/gpsd-json-server.js';
import { GnssService } from '../../src/daemon/gnss/gnss-service.js';
import { createLogger } from '../../src/daemon/logger.js';
import { SimulatedGnssLink } from '../../src/drivers/sim/simulated-gnss-link.js';
import { startPtyPair } from '../helpers/pty.js';
import { freeTcpPort } from '../helpers/ports.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Obj = Record<string, unknown>;


const pty = await startPtyPair();
t.teardown(() => pty.dispose());
const DEVICE = pty.daemonSide; // both servers name the device by the same path

const simFd = openSync(pty.simSide, 'w');
const link = new SimulatedGnssLink({ path: DEVICE, latencyMs: 120 });
/** svids of Galileo GSA sentences (NMEA 4.10 system id 3), for gpsd 3.22's quirk below. */
const galileoUsed = new Set<number>();
link.on('line', (s) => {
  writeSync(simFd, `${s.line}\r\n`);
  const f = s.line.split('*')[0]!.split(',');
  if (/^\$..GSA$/.test(f[0]!) && f[18] === '3') for (const v of f.slice(3, 15)) if (v) galileoUsed.add(Number(v));
});
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
const gnss = new GnssService({
  link,
  store,
  log: createLogger({ level: 'error', format: 'json' }),
  pipeline: {},
  backoff: { initialMs: 100, maxMs: 1000 },
  epochQuietMs: 150,
  fixLogIntervalS: 3600,
});
const ours = new GpsdJsonServer({ listen: '127.0.0.1', port: 0, maxClients: 4, clientBufferBytes: 262_144, rev: 'test', device: { path: DEVICE } });
attachGnssFeed(gnss, ours);
const ourPort = (await ours.listen()).port;

const gpsdPort = await freeTcpPort();
const gpsd: ChildProcess = spawn('gpsd', ['-N', '-n', '-b', '-S', String(gpsdPort), '-F', join(pty.dir, 'gpsd.sock'), DEVICE], {
  stdio: ['ignore', 'ignore', 'pipe'],
});
let gpsdErr = '';
gpsd.stderr?.on('data', (d: Buffer) => (gpsdErr += d.toString()));
gnss.start();
t.teardown(async () => {
  gpsd.kill('SIGTERM');
  await gnss.stop();
  await ours.close();
  closeSync(simFd);
});

async function watch(port: number, n: number): Promise<Obj[]> {
  const { stdout } = await run('gpspipe', ['-w', '-n', String(n), `127.0.0.1:${port}`], { timeout: 30_000 });
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Obj);
}

t.test('TPV and SKY agree with real gpsd on the same stream', async (t) => {
  // gpsd needs a few cycles to identify the device; wait for its first 3D fix.
  const end = Date.now() + 20_000;
  while (!(await watch(gpsdPort, 6).catch(() => [])).some((o) => o.class === 'TPV' && o.mode === 3)) {
    if (Date.now() > end) throw new Error(`gpsd produced no 3D fix: ${gpsdErr}`);
    await sleep(500);
  }
  const [theirs, mine] = await Promise.all([watch(gpsdPort, 24), watch(ourPort, 24)]);
  const tpv = (objs: Obj[]) => new Map(objs.filter((o) => o.class === 'TPV' && o.time).map((o) => [String(o.time), o]));
  const [gT, oT] = [tpv(theirs), tpv(mine)];
  const common = [...oT.keys()].filter((k) => gT.has(k));
  t.ok(common.length >= 3, `TPV reports for the same epochs (${common.length}: ${common.join(', ')})`);
  const missing = new Set<string>();
  const shared = new Set<string>();
  for (const time of common) {
    const [g, o] = [gT.get(time)!, oT.get(time)!];
    for (const k of Object.keys(g)) {
      if (!(k in o)) missing.add(k);
      else shared.add(k);
    }
    for (const k of Object.keys(o)) {
      if (k in g) t.same(o[k], g[k], `TPV ${time} ${k}: ours ${JSON.stringify(o[k])}, gpsd ${JSON.stringify(g[k])}`);
    }
    t.ok(['class', 'mode', 'time', 'lat', 'lon', 'altHAE', 'altMSL'].every((k) => k in o && k in g), 'the core fields are printed by both');
  }
  t.comment(`TPV fields both print: ${[...shared].sort().join(', ')}`);
  t.comment(`TPV fields gpsd prints and we do not: ${[...missing].sort().join(', ') || 'none'}`);

  // gpsd reports SKY as the GSV and GSA sentences arrive, without a time, and rebuilds its
  // used set GSA by GSA within a cycle; so a SKY taken mid-cycle has only part of it. Compare
  // the fullest of each side: most satellites in view, then most used (a cycle's end).
  const fullest = (objs: Obj[]) =>
    objs
      .filter((o) => o.class === 'SKY')
      .sort((a, b) => Number(b.nSat ?? 0) - Number(a.nSat ?? 0) || Number(b.uSat ?? 0) - Number(a.uSat ?? 0))[0];
  const [gS, oS] = [fullest(theirs), fullest(mine)];
  t.ok(gS && oS, 'both sent SKY');
  if (!gS || !oS) return;
  const skyMissing = Object.keys(gS).filter((k) => !(k in oS));
  const sats = (s: Obj) => new Map((s.satellites as Obj[]).map((x) => [Number(x.PRN), { ...x }]));
  const [gSat, oSat] = [sats(gS), sats(oS)];
  // gpsd 3.22 ignores the NMEA 4.10 system id of a GSA: the svids of the Galileo GSA are
  // taken as GPS PRNs (a GPS satellite of that number is marked used, the Galileo ones are
  // not). Ours follows NMEA 4.10. Predict what gpsd prints from ours, and compare exactly.
  t.ok(galileoUsed.size > 0, `the stream has a Galileo GSA (svids ${[...galileoUsed].join(', ')})`);
  for (const [prn, o] of oSat) {
    if (o.gnssid === 2) o.used = false;
    if (o.gnssid === 0 && galileoUsed.has(prn)) o.used = true;
  }
  const predictedUSat = [...oSat.values()].filter((o) => o.used).length;
  t.comment(`SKY uSat: ours ${String(oS.uSat)} (NMEA 4.10), gpsd ${String(gS.uSat)}, predicted for gpsd 3.22 ${predictedUSat}`);
  t.equal(gS.uSat, predictedUSat, 'gpsd uSat as predicted from ours and its GSA quirk');
  for (const k of ['hdop', 'vdop', 'pdop', 'nSat']) {
    if (k in gS && k in oS) t.same(oS[k], gS[k], `SKY ${k}: ours ${JSON.stringify(oS[k])}, gpsd ${JSON.stringify(gS[k])}`);
  }
  t.same([...oSat.keys()].sort((a, b) => a - b), [...gSat.keys()].sort((a, b) => a - b), 'the same satellites by PRN');
  for (const [prn, g] of gSat) {
    const o = oSat.get(prn);
    if (!o) continue;
    for (const k of ['gnssid', 'svid', 'el', 'az', 'ss', 'used']) {
      if (k in g && k in o) t.same(o[k], g[k], `PRN ${prn} ${k}: ours ${JSON.stringify(o[k])}, gpsd ${JSON.stringify(g[k])}`);
    }
  }
  t.comment(`SKY fields gpsd prints and we do not: ${skyMissing.join(', ') || 'none'}`);
});
