import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { systemClock } from '../../src/drivers/clock.js';
import { ApplianceStore, initialState } from '../../src/daemon/core/appliance-state.js';
import { createLogger } from '../../src/daemon/logger.js';
import { ChronycClient } from '../../src/daemon/timekeeper/status/chronyc-client.js';
import { TimekeeperStatusService } from '../../src/daemon/timekeeper/status/timekeeper-status-service.js';

/*
 * A private chronyd that never touches the clock (-x), with its own config, pidfile and
 * command socket, no NTP port (port 0) and -u root (a private 0700 directory). Its state is
 * deterministic: two SOCK refclocks that nobody feeds (NMEA noselect, PPS locked to NMEA),
 * and no network sources. A feeder (the fixtures' sock-feeder.py) then sends late labels.
 */
const run = promisify(execFile);
const have = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
const skip = have('chronyd') && have('chronyc') ? false : "chronyd/chronyc not installed: this test needs Debian's chrony package";
const dir = mkdtempSync(join(tmpdir(), 's1d-chronyc-'));
const sock = join(dir, 'chronyd.sock');
const nmeaSock = join(dir, 'nmea.sock');
const conf = join(dir, 'chrony.conf');
writeFileSync(
  conf,
  [
    'port 0', 'cmdport 0', `bindcmdaddress ${sock}`, `pidfile ${join(dir, 'chronyd.pid')}`,
    `refclock SOCK ${nmeaSock} refid NMEA poll 0 noselect delay 0.2`,
    `refclock SOCK ${join(dir, 'pps.sock')} refid PPS poll 0 lock NMEA prefer`, '',
  ].join('\n'),
);
const children: ChildProcess[] = [];
function startChronyd(): ChildProcess {
  const c = spawn('chronyd', ['-x', '-d', '-u', 'root', '-f', conf], { stdio: 'ignore' });
  children.push(c);
  return c;
}
const stopChild = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : (c.once('exit', () => r()), c.kill('SIGTERM'))));
t.teardown(async () => {
  for (const c of children) await stopChild(c);
  rmSync(dir, { recursive: true, force: true });
});

const store = new ApplianceStore(
  initialState({ version: 't', pid: 1, startedAt: 0, mode: 'simulate', configSource: 'x', gnssDevice: 'sim', timeValidAfter: 3, ppsSource: null, rtcModel: null, timekeeper: 'chrony' }),
);
store.update('gnss', { link: 'open', trust: { timeValid: true, validStreak: 3, needed: 3 } });
const svc = new TimekeeperStatusService({
  store, clock: systemClock, intervalS: 3600, // polled by hand below
  log: createLogger({ level: 'error', format: 'json' }),
  reader: new ChronycClient({ commandSocket: sock }),
  refclocks: { nmeaRefId: 'NMEA', ppsRefId: 'PPS', nmeaFeed: nmeaSock, ppsDevice: null },
});
const tk = () => store.snapshot.timekeeper;

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    await svc.pollNow();
    if (cond()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 250));
  }
}

t.test('chronyd not running yet: unreachable, explained', { skip }, async (t) => {
  await svc.pollNow();
  t.equal(tk().reachable, false);
  t.equal(tk().lastError, `chronyd not running: no answer on ${sock}`);
  t.equal(tk().explanations[0], `chronyd not running: no answer on ${sock}`);
});

let chronyd = skip ? spawn('true') : startChronyd();

t.test('typed records match what chronyc shows a person', { skip }, async (t) => {
  t.ok(await until(() => tk().reachable && tk().sources.length === 2, 10_000), 'chronyd answers with its two refclocks');
  const human = (await run('chronyc', ['-n', '-h', sock, 'sources'])).stdout.split('\n').slice(2).filter((l) => l.trim());
  t.equal(human.length, tk().sources.length);
  human.forEach((line, i) => {
    const [ms, name, stratum, poll, reach] = line.trim().split(/\s+/);
    const s = tk().sources[i]!;
    t.equal(s.name, name);
    t.equal(s.kind, ms![0] === '#' ? 'refclock' : 'server');
    t.equal(s.state, ms![1] === '?' ? 'unreachable' : 'other', `${name} state`);
    t.equal(s.stratum, Number(stratum));
    t.equal(s.reach, parseInt(reach!, 8));
    t.equal(poll, '0');
  });
  const tracking = (await run('chronyc', ['-n', '-h', sock, 'tracking'])).stdout;
  t.match(tracking, /Leap status\s+: Not synchronised/);
  t.equal(tk().synced, false);
  t.equal(tk().tracking?.leap, 'unsynchronised');
  t.same(tk().explanations, [
    `NMEA refclock receives no samples (is stratum1d's SOCK feed reaching ${nmeaSock}?): 0 sent, 0 failed`,
    "PPS refclock receives no pulses (is stratum1d's PPS feed reaching chronyd?): 0 sent",
    'chronyd is not synchronised: no source is selected (2 known, 0 reachable)',
  ]);
});

t.test('NMEA labels 0.5 s late: reached, offset seen, PPS lock explained', { skip }, async (t) => {
  const feeder = spawn('python3', [new URL('../unit/daemon/timekeeper/status/fixtures/sock-feeder.py', import.meta.url).pathname, nmeaSock, 'nmea', '-0.5'], { stdio: 'ignore' });
  children.push(feeder);
  const nmea = () => tk().sources.find((s) => s.name === 'NMEA');
  t.ok(await until(() => (nmea()?.offsetS ?? 0) > 0.45, 20_000), 'chrony measures the late label');
  t.ok(nmea()!.reach! > 0);
  t.ok(Math.abs(nmea()!.offsetS! - 0.5) < 0.01, `offset ${nmea()!.offsetS}`);
  t.match(tk().explanations[0], /^NMEA offset too large for PPS lock: the NMEA refclock is \+(499|500)\.\d ms off/);
  await stopChild(feeder);
});

t.test('chronyd stops and comes back: reported, then recovered', { skip }, async (t) => {
  await stopChild(chronyd);
  await svc.pollNow();
  t.equal(tk().reachable, false);
  t.equal(tk().lastError, `chronyd not running: no answer on ${sock}`);
  t.same(tk().sources, []);
  chronyd = startChronyd();
  t.ok(await until(() => tk().reachable, 10_000), 'reachable again');
  t.equal(tk().lastError, null);
});
