import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { systemClock } from '../../src/drivers/clock.js';
import { shmGet, shmInfo, shmRemove } from '../../src/drivers/native/sysv-shm.js';
import { ApplianceStore, initialState } from '../../src/daemon/core/appliance-state.js';
import type { Fix } from '../../src/daemon/core/fix.js';
import { unixMsToUtc } from '../../src/daemon/core/utc-time.js';
import { createLogger } from '../../src/daemon/logger.js';
import { NtpShmWriter } from '../../src/daemon/timekeeper/feed/ntp-shm-writer.js';
import { NtpqClient } from '../../src/daemon/timekeeper/status/ntpq-client.js';
import { TimekeeperStatusService } from '../../src/daemon/timekeeper/status/timekeeper-status-service.js';
import { claimShmUnit } from '../helpers/shm-unit.js';

/*
 * ntpsec's ntpd reading our NTP SHM segment, asked by NtpqClient through the real ntpq.
 * ntpd never touches the clock: it runs only under setpriv without CAP_SYS_TIME (its clock
 * calls fail with EPERM and it carries on), with a private config, pidfile and driftfile, in
 * a network namespace of its own so that its UDP 123 clashes with nothing. A holder process
 * keeps the namespace alive while ntpd stops and starts; ntpd and ntpq enter it with
 * nsenter, which is also how the configurable ntpq command is exercised. ntpsec 1.2.2
 * answers ntpq's mode-6 queries only with explicit restrict lines, hence the three below.
 */
const run = promisify(execFile);
const NTPSEC = '/opt/ntpsec';
const ntpd = join(NTPSEC, 'usr/sbin/ntpd');
const ntpqPy = join(NTPSEC, 'usr/bin/ntpq');
const env = { PYTHONPATH: join(NTPSEC, 'usr/lib/python3/dist-packages') };
const missing = [ntpd, ntpqPy].find((p) => !existsSync(p));
const tools = ['unshare', 'nsenter', 'ip', 'setpriv', 'python3'].filter((x) => spawnSync('sh', ['-c', `command -v ${x}`]).status !== 0);
const skip = missing ? `ntpsec not unpacked: ${missing} is missing (CI installs it under ${NTPSEC})` : tools.length > 0 ? `missing tools: ${tools.join(', ')}` : false;

const unit = claimShmUnit(t);
const dir = mkdtempSync(join(tmpdir(), 's1d-ntpq-'));
const conf = join(dir, 'ntp.conf');
writeFileSync(conf, [
  `refclock shm unit ${unit} refid GPS minpoll 1 maxpoll 1 prefer`,
  'restrict default kod nomodify',
  'restrict 127.0.0.1',
  'restrict ::1',
  `driftfile ${join(dir, 'drift')}`,
  `logfile ${join(dir, 'ntpd.log')}`,
  '',
].join('\n'));
/**
 * What ntpd logged, listed and counted for its SHM driver (`cv &1`: no reply, bad data), and how
 * the segment and the writer stand: said when ntpd does not reach the refclock.
 */
const ntpdWitness = async (): Promise<string> => {
  let logText = '';
  try {
    logText = readFileSync(join(dir, 'ntpd.log'), 'utf8').split('\n').slice(-8).join(' | ');
  } catch {
    logText = 'no ntpd.log';
  }
  let listed = '';
  try {
    const [cmd, ...args] = inNetns(['python3', ntpqPy, '-n', '-c', 'peers', '-c', 'cv &1', '127.0.0.1']);
    const r = await run(cmd!, args, { env: { ...process.env, ...env }, timeout: 8000 });
    listed = `${r.stdout}${r.stderr}`.trim().split('\n').join(' | ');
  } catch (e) {
    listed = `ntpq failed: ${(e as Error).message}`;
  }
  const seg = shmInfo(writer.key);
  const w = writer.stats();
  return [
    `ntpq: ${listed}`,
    `segment ${seg ? `${seg.size} bytes mode 0${seg.mode.toString(8)} owner uid ${seg.uid}` : 'absent'}`,
    `writer ${w.writes} writes, ${w.failures} failures, layout ${w.layout} (${w.layoutReason}), last error ${w.lastError}`,
    `ntpd.log: ${logText}`,
  ].join('; ');
};

const children: ChildProcess[] = [];
const stopChild = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : (c.once('exit', () => r()), c.kill('SIGTERM'))));
const holder = skip ? null : spawn('unshare', ['-n', 'sh', '-c', 'ip link set lo up && echo ready && exec sleep 600'], { stdio: ['ignore', 'pipe', 'inherit'] });
if (holder) children.push(holder);
// Until `ready`, the holder may still be in this process's namespace, where 127.0.0.1:123
// could be a real ntpd.
const holderReady = new Promise<void>((resolve, reject) => {
  if (!holder) return resolve();
  holder.stdout!.once('data', () => resolve());
  holder.once('exit', (code) => reject(new Error(`network namespace holder exited with ${code}`)));
});
const inNetns = (argv: string[]) => ['nsenter', `--net=/proc/${holder?.pid}/ns/net`, ...argv];
function startNtpd(): ChildProcess {
  const [cmd, ...args] = inNetns(['setpriv', '--inh-caps=-sys_time', '--bounding-set=-sys_time', ntpd, '-n', '-c', conf, '-p', join(dir, 'ntpd.pid')]);
  const c = spawn(cmd!, args, { stdio: 'ignore' });
  children.unshift(c); // stopped before the holder
  return c;
}

const log = createLogger({ level: 'error', format: 'json' });
const store = new ApplianceStore(
  initialState({ version: 't', pid: 1, startedAt: 0, mode: 'simulate', configSource: 'x', gnssDevice: 'sim', timeValidAfter: 3, ppsSource: null, rtcModel: null, timekeeper: 'ntpsec' }),
);
store.update('gnss', { link: 'open', trust: { timeValid: true, validStreak: 3, needed: 3 } });
const writer = new NtpShmWriter({ unit, log, store });
const svc = new TimekeeperStatusService({
  store, log, clock: systemClock, intervalS: 3600, // polled by hand below
  reader: new NtpqClient({ ntpq: inNetns(['python3', ntpqPy]), env }),
  refclocks: { nmeaRefId: 'GPS', ppsRefId: null, nmeaFeed: `NTP SHM unit ${unit}`, ppsDevice: null },
});
const tk = () => store.snapshot.timekeeper;
let feeder: NodeJS.Timeout | null = null;

t.teardown(async () => {
  if (feeder) clearInterval(feeder);
  for (const c of children) await stopChild(c);
  writer.close();
  try {
    shmRemove(shmGet(writer.key, 1, { create: false, mode: 0 }));
  } catch {
    // never created, or already gone
  }
  rmSync(dir, { recursive: true, force: true });
});

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    await svc.pollNow();
    if (cond()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 500));
  }
}

const NOT_RUNNING = 'ntpd not running: nothing answers NTP control queries on 127.0.0.1 (ntpq: Socket error; probably ntpd is not running)';

t.test('no ntpd yet: unreachable, explained', { skip }, async (t) => {
  await holderReady;
  await svc.pollNow();
  t.equal(tk().reachable, false);
  t.equal(tk().lastError, NOT_RUNNING);
  t.equal(tk().explanations[0], NOT_RUNNING);
});

// The reference 5 ms ahead of the receive stamp: ntpq shows +5 ms (source minus local),
// the normalised offset is chrony's sign, -5 ms.
const AHEAD_S = 0.005;
function fix(labelMs: number, receivedAt: number): Fix {
  return {
    time: unixMsToUtc(labelMs), mode: 3, status: 1, leapSeconds: null, lat: null, lon: null, altHAE: null, altMSL: null,
    geoidSep: null, speed: null, track: null, magvar: null, climb: null, eph: null, epv: null, receivedAt, sentences: ['RMC'],
  };
}

let ntpdChild: ChildProcess | null = null;

t.test('fed by NtpShmWriter: the GPS refclock reached, offset and state as ntpq shows them', { skip }, async (t) => {
  ntpdChild = startNtpd();
  feeder = setInterval(() => {
    const now = Date.now();
    const label = Math.floor((now - 130) / 1000) * 1000;
    writer.writeFix(fix(label, now), { timeValid: true }, (now - label) / 1000 + AHEAD_S);
  }, 1000);
  const gps = () => tk().sources.find((s) => s.name === 'GPS');
  const reached = await until(() => (gps()?.reach ?? 0) > 0, 30_000);
  t.ok(reached, `ntpd reached the SHM refclock (${tk().lastError ?? 'answering'})${reached ? '' : `: ${await ntpdWitness()}`}`);
  const s = gps();
  if (!reached || !s) return; // the failure above says what ntpd showed instead

  t.equal(s.kind, 'refclock');
  t.ok(s.lastSampleAgoS !== null && s.lastSampleAgoS <= 4, `last sample ${s.lastSampleAgoS} s ago`);
  t.ok(s.offsetS !== null && Math.abs(s.offsetS + AHEAD_S) < 0.002, `offset ${s.offsetS} s (the reference is ${AHEAD_S * 1e3} ms ahead)`);
  t.equal(writer.stats().failures, 0);

  // The same moment through ntpq -p, as a person would read it.
  const [cmd, ...args] = inNetns(['python3', ntpqPy, '-n', '-p', '127.0.0.1']);
  const human = (await run(cmd!, args, { env: { ...process.env, ...env } })).stdout;
  const row = human.split('\n').find((l) => l.slice(1).startsWith(`SHM(${unit})`));
  t.ok(row, `ntpq -p lists SHM(${unit}):\n${human}`);
  if (!row) return;
  const [, refid, st, type, , , reach, , offset] = row!.slice(1).trim().split(/\s+/);
  t.equal(refid, '.GPS.');
  t.equal(st, '0');
  t.equal(type, 'l');
  t.ok(parseInt(reach!, 8) > 0, `reach ${reach}`);
  t.ok(Math.abs(Number(offset) - AHEAD_S * 1e3) < 2, `ntpq offset ${offset} ms`);

  // ntpd selects the refclock a few polls later (2 s polls; under a second after the first
  // reach on this machine): synchronised to GPS at stratum 1, nothing left to explain.
  const t0 = Date.now();
  t.ok(await until(() => tk().synced === true && gps()?.state === 'selected', 25_000), 'ntpd selects the GPS refclock');
  t.comment(`selected ${Date.now() - t0} ms after it was first reached`);
  t.same(tk().tracking && { refName: tk().tracking!.refName, refId: tk().tracking!.refId, stratum: tk().tracking!.stratum, leap: tk().tracking!.leap }, { refName: 'GPS', refId: '47505300', stratum: 1, leap: 'normal' });
  t.same(tk().explanations, []);
});

t.test('ntpd stops: unreachable, with a clear message', { skip }, async (t) => {
  t.ok(ntpdChild, 'ntpd was started');
  await stopChild(ntpdChild!);
  await svc.pollNow();
  t.equal(tk().reachable, false);
  t.equal(tk().lastError, NOT_RUNNING);
  t.equal(tk().explanations[0], NOT_RUNNING);
  t.same(tk().sources, []);
  t.equal(tk().tracking, null);
  ntpdChild = null;
});
