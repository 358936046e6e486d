import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import t from 'tap';
import { eventually } from '../helpers/daemon-process.js';
import { ApplianceStore, initialState } from '../../src/daemon/core/appliance-state.js';
import { unixMsToUtc } from '../../src/daemon/core/utc-time.js';
import type { Fix } from '../../src/daemon/core/fix.js';
import { createLogger } from '../../src/daemon/logger.js';
import { NtpShmWriter } from '../../src/daemon/timekeeper/feed/ntp-shm-writer.js';
import { shmGet, shmInfo, shmRemove } from '../../src/drivers/native/sysv-shm.js';
import { NTP_SHM_KEY_BASE } from '../../src/daemon/timekeeper/feed/shm-time.js';
import { claimShmUnit } from '../helpers/shm-unit.js';

/**
 * ntpsec's ntpd reading our NTP SHM segment. ntpd adjusts the kernel clock at start even
 * with no servers, so it runs only without CAP_SYS_TIME (setpriv drops it from the bounding
 * set and the inheritable set); its clock calls then fail with EPERM and it carries on.
 * ntpd runs in a network namespace of its own (`unshare -n`, loopback brought up) so that
 * its UDP 123 can clash with no other ntpd on the machine; SysV IPC is not namespaced by -n,
 * so ntpd sees our segment. Two witnesses: ntpd's own debug output (-D 2), and `ntpq -p`
 * run inside the namespace (nsenter), which must show the SHM refclock reached. ntpsec 1.2.2
 * answers ntpq's mode-6 queries only when ntp.conf has explicit restrict lines, hence the
 * three below.
 */
const NTPSEC = '/opt/ntpsec';
const ntpd = join(NTPSEC, 'usr/sbin/ntpd');
const ntpq = join(NTPSEC, 'usr/bin/ntpq');
const missing = [ntpd, ntpq].find((p) => !existsSync(p));
const tools = ['unshare', 'nsenter', 'ip', 'setpriv', 'python3'].filter((x) => spawnSync('which', [x]).status !== 0);

function fixNow(labelMs: number, receivedAt: number): Fix {
  return {
    time: unixMsToUtc(labelMs), mode: 3, status: 1, leapSeconds: null, lat: null, lon: null, altHAE: null, altMSL: null,
    geoidSep: null, speed: null, track: null, magvar: null, climb: null, eph: null, epv: null, receivedAt, sentences: ['RMC'],
  };
}

const skip = missing ? `ntpsec not unpacked: ${missing} is missing (CI installs it under ${NTPSEC})` : tools.length > 0 ? `missing tools: ${tools.join(', ')}` : false;

interface Tap { teardown(fn: () => unknown): void }

/** ntpd reading SHM `unit`, without CAP_SYS_TIME, in a network namespace of its own. */
function startNtpd(t: Tap, dir: string, unit: number): { child: ChildProcess; output: () => string } {
  const conf = join(dir, 'ntp.conf');
  writeFileSync(conf, [
    `refclock shm unit ${unit} refid NMEA minpoll 3 maxpoll 3`,
    `driftfile ${join(dir, 'drift')}`,
    `statsdir ${dir}/`,
    'interface ignore wildcard',
    'interface listen 127.0.0.1',
    'restrict default kod nomodify',
    'restrict 127.0.0.1',
    'restrict ::1',
    '',
  ].join('\n'));
  let output = ''; // ntpd's debug lines (stdout) and errors (stderr)
  const ntpdCommand = ['setpriv', '--inh-caps=-sys_time', '--bounding-set=-sys_time', ntpd, '-n', '-D', '2', '-c', conf];
  const child: ChildProcess = spawn('unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh', ...ntpdCommand], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d) => (output += String(d)));
  child.stderr?.on('data', (d) => (output += String(d)));
  t.teardown(async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  });
  return { child, output: () => output };
}

/** The writer for `unit`, its segment removed at teardown. */
function startWriter(t: Tap, unit: number): { writer: NtpShmWriter; store: ApplianceStore } {
  const log = createLogger({ level: 'error', format: 'json', stream: new Writable({ write(_c, _e, cb) { cb(); } }) });
  const store = new ApplianceStore(initialState({ version: 't', pid: process.pid, startedAt: Date.now(), mode: 'simulate', configSource: 'test', gnssDevice: 'sim', timeValidAfter: 3, ppsSource: null, rtcModel: null, timekeeper: 'ntpsec' }));
  const writer = new NtpShmWriter({ unit, log, store });
  t.teardown(() => {
    writer.close();
    try {
      shmRemove(shmGet(writer.key, 1, { create: false, mode: 0 }));
    } catch {
      // already gone
    }
  });
  return { writer, store };
}

// One NMEA epoch a second, labelled with this machine's clock and "arriving" 130 ms later.
// The delay handed to the writer is 50 ms short of the real one, so the stamps claim this
// clock is 50 ms ahead of the labels: ntpd must measure -50 ms (ntpq's offset is the source
// minus the local clock). An exact delay would give 0 by construction and prove nothing.
const SKEW_S = 0.05;
function writeNow(writer: NtpShmWriter): boolean {
  const now = Date.now();
  const label = Math.floor((now - 130) / 1000) * 1000;
  return writer.writeFix(fixNow(label, now), { timeValid: true }, (now - label) / 1000 - SKEW_S);
}
function feedEverySecond(t: Tap, writer: NtpShmWriter): void {
  const timer = setInterval(() => writeNow(writer), 1000);
  t.teardown(() => clearInterval(timer));
}

/**
 * ntpd -D 2 prints, per shm_timer tick, "SHM(N) feeding data" only for a sample that passed
 * refclock_shm.c's checks (mode, count clash, receive-time age, clock-receive delta).
 */
async function samplesAccepted(ntp: { child: ChildProcess; output: () => string }, unit: number): Promise<{ fed: number; complaints: string[] }> {
  const fed = await eventually(() => {
    if (ntp.child.exitCode !== null) throw new Error(`ntpd exited ${ntp.child.exitCode}: ${ntp.output()}`);
    const n = ntp.output().split('\n').filter((l) => l.includes(`SHM(${unit}) feeding data`)).length;
    return n >= 3 ? n : undefined;
  }, 30_000, `ntpd to accept samples from SHM unit ${unit}`);
  const complaints = ntp.output().split('\n').filter((l) => l.includes(`SHM(${unit})`) && /stale|difference limit|clash|bad mode/i.test(l));
  return { fed, complaints };
}

t.test('ntpd reads the NMEA time from our SHM segment', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ntpd-shm-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const unit = claimShmUnit(t);
  const { writer, store } = startWriter(t, unit);
  t.ok(writeNow(writer), 'the first sample creates the segment, before ntpd starts');
  const ntp = startNtpd(t, dir, unit);
  const child = ntp.child;
  feedEverySecond(t, writer);

  const { fed, complaints } = await samplesAccepted(ntp, unit);
  t.ok(fed >= 3, `ntpd accepted ${fed} samples from unit ${unit}`);
  t.same(complaints, [], 'and complained about none');
  const s = writer.stats();
  t.ok(s.writes >= 3 && s.failures === 0, `${s.writes} writes, ${s.failures} failures`);
  t.equal(store.snapshot.timekeeper.feed.shmWrites, s.writes, 'writes published into the state');
  t.equal(s.segmentMode, '0600', 'we created it: not readable or writable by other users');

  // ntpq -p, in ntpd's namespace, while the writer keeps feeding: SHM(unit) with reach > 0.
  const row = await eventually(async () => {
    if (child.exitCode !== null) throw new Error(`ntpd exited ${child.exitCode}: ${ntp.output()}`);
    const peers = await ntpqPeers(child.pid!);
    const r = peers.split('\n').find((l) => l.slice(1).startsWith(`SHM(${unit})`));
    return r && parseInt(r.slice(1).trim().split(/\s+/)[6] ?? '0', 8) > 0 ? r : undefined;
  }, 20_000, `ntpq -p to show SHM(${unit}) reached`);
  const [, refid, , type, , , reach] = row.slice(1).trim().split(/\s+/);
  t.equal(refid, '.NMEA.', `ntpq -p: ${row}`);
  t.equal(type, 'l', 'a local refclock');
  t.ok(parseInt(reach!, 8) > 0, `reach ${reach} (octal)`);

  // ntpd's own measurement of the skew we wrote into the stamps (ntpq -p offset, ms).
  const measured = await eventually(async () => {
    if (child.exitCode !== null) throw new Error(`ntpd exited ${child.exitCode}: ${ntp.output()}`);
    const peers = await ntpqPeers(child.pid!);
    const r = peers.split('\n').find((l) => l.slice(1).startsWith(`SHM(${unit})`));
    const offset = r ? Number(r.slice(1).trim().split(/\s+/)[8]) : Number.NaN;
    return Number.isFinite(offset) && offset !== 0 ? offset : undefined;
  }, 30_000, `ntpq -p to show an offset for SHM(${unit})`);
  t.ok(Math.abs(measured - -SKEW_S * 1000) < 20, `ntpd measures ${measured} ms for stamps written ${SKEW_S * 1000} ms ahead (expected -${SKEW_S * 1000} ± 20)`);
});

t.test('ntpd started first: we take its segment as it made it, say it is world-writable, and ntpd reads us', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ntpd-shm-first-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const unit = claimShmUnit(t);
  const ntp = startNtpd(t, dir, unit);
  const key = NTP_SHM_KEY_BASE + unit;
  // ntpd creates the segment of a configured unit at start (refclock_shm.c shm_start).
  const made = await eventually(() => {
    if (ntp.child.exitCode !== null) throw new Error(`ntpd exited ${ntp.child.exitCode}: ${ntp.output()}`);
    return shmInfo(key) ?? undefined;
  }, 30_000, `ntpd to create SHM unit ${unit}`);
  t.equal(made.mode & 0o777, 0o666, `ntpd made unit ${unit} mode 0${(made.mode & 0o777).toString(8)} (its default for units >= 2)`);

  const { writer, store } = startWriter(t, unit);
  feedEverySecond(t, writer);
  const { fed, complaints } = await samplesAccepted(ntp, unit);
  t.ok(fed >= 3, `ntpd accepted ${fed} samples from the segment it made`);
  t.same(complaints, [], 'and complained about none');
  const s = writer.stats();
  t.match(s.layoutReason, new RegExp(`existing segment of ${made.size} bytes`), `layout ${s.layout} taken from the segment ntpd made, not guessed`);
  t.equal(s.worldWritable, true);
  t.equal(store.snapshot.timekeeper.feed.shm?.worldWritable, true, 'published, for the ntp-shm-world-writable alarm');
  t.equal(store.snapshot.timekeeper.feed.shm?.mode, '0666');
});

/** `ntpq -n -p` in the network namespace of the process `pid` (ntpd's). */
function ntpqPeers(pid: number): Promise<string> {
  return new Promise((resolve) => {
    execFile('nsenter', [`--net=/proc/${pid}/ns/net`, 'python3', ntpq, '-n', '-p', '127.0.0.1'], {
      timeout: 10_000,
      encoding: 'utf8',
      env: { ...process.env, PYTHONPATH: join(NTPSEC, 'usr/lib/python3/dist-packages') },
    }, (_err, stdout, stderr) => resolve(stdout + stderr));
  });
}
