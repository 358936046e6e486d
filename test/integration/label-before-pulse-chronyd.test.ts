import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import t from 'tap';
type Tap = { teardown(fn: () => unknown): void };
import { freeUdpPort } from '../helpers/ports.js';
import { eventually } from '../helpers/daemon-process.js';
import { validateConfig } from '../../src/config/load-config.js';
import { ppsTrackerOptions } from '../../src/config/sections/pps.js';
import { systemClock, type Clock } from '../../src/drivers/clock.js';
import type { SerialLink, SerialLinkEvents } from '../../src/drivers/serial/serial-link.js';
import { SimulatedGnssLink } from '../../src/drivers/sim/simulated-gnss-link.js';
import { SimulatedPps } from '../../src/drivers/sim/simulated-pps.js';
import { ApplianceStore, initialState } from '../../src/daemon/core/appliance-state.js';
import { GnssService } from '../../src/daemon/gnss/gnss-service.js';
import { createLogger } from '../../src/daemon/logger.js';
import { PpsService } from '../../src/daemon/pps/pps-service.js';
import { startTimekeeperFeed } from '../../src/daemon/wiring-timekeeper.js';

/**
 * A receiver that sends each second's label *before* the pulse it names (150 ms early),
 * against a real chronyd -x, through the daemon's own timekeeper wiring (calibration,
 * arrival check, SOCK feed of NMEA and of the PPS edges, status poller).
 *
 * Truth: PPS edges at this machine's exact tops of second; the label of second S arrives at
 * S - 150 ms. Paired with the previous edge (the old rule) the delay would read +850 ms and
 * every NMEA sample would be a whole second early; chronyd must instead see the NMEA source
 * within a few ms of the truth, and never near a second off.
 */
const hasChrony = spawnSync('chronyd', ['--version']).status === 0 && spawnSync('chronyc', ['--version']).status === 0;

/** The simulator labels the second its clock shows; this link stamps arrivals on the real clock. */
class RestampedLink extends EventEmitter implements SerialLink {
  constructor(readonly inner: SimulatedGnssLink) {
    super();
    inner.on('line', (s) => this.emit('line', { line: s.line, receivedAt: Date.now() }));
    inner.on('close', (e) => this.emit('close', e));
  }
  get path(): string {
    return this.inner.path;
  }
  open(): Promise<void> {
    return this.inner.open();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  write(data: string): Promise<void> {
    return this.inner.write(data);
  }
  declare on: <E extends keyof SerialLinkEvents>(event: E, listener: (...args: SerialLinkEvents[E]) => void) => this;
  declare off: <E extends keyof SerialLinkEvents>(event: E, listener: (...args: SerialLinkEvents[E]) => void) => this;
}

interface Source { state: string; reach: number; lastRx: number; offsetS: number }
function nmeaSource(port: number): Source | undefined {
  const r = spawnSync('chronyc', ['-h', '127.0.0.1', '-p', String(port), '-c', '-n', 'sources'], { encoding: 'utf8', timeout: 5000 });
  const f = r.stdout?.split('\n').find((l) => l.split(',')[2] === 'NMEA')?.split(',');
  // Field 9: measured offset, system minus source; negated into source minus system.
  return f ? { state: f[1]!, reach: parseInt(f[5]!, 8), lastRx: Number(f[6]), offsetS: -Number(f[8]) } : undefined;
}

type NmeaOffsetConfig = { labelNames?: 'auto' | 'next-pulse' };

/** chronyd -x and the daemon's timekeeper wiring fed by the label-before-pulse receiver. */
async function startLab(t: Tap, nmeaOffset: NmeaOffsetConfig): Promise<{ store: ApplianceStore; port: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'label-before-pulse-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freeUdpPort();
  const nmeaSock = join(dir, 'nmea.sock');
  const ppsSock = join(dir, 'pps.sock');
  const conf = join(dir, 'chrony.conf');
  // noselect on both: chronyd -x then keeps measuring against this machine's real clock.
  writeFileSync(conf, [
    `refclock SOCK ${nmeaSock} refid NMEA noselect poll 0 delay 0.2`,
    `refclock SOCK ${ppsSock} refid PPS lock NMEA noselect poll 0`,
    'port 0', `cmdport ${port}`, 'bindcmdaddress 127.0.0.1',
    `pidfile ${join(dir, 'chronyd.pid')}`, `driftfile ${join(dir, 'drift')}`, '',
  ].join('\n'));
  const chronyd: ChildProcess = spawn('chronyd', ['-x', '-d', '-u', 'root', '-f', conf], { stdio: 'ignore' });
  t.teardown(() => chronyd.kill('SIGKILL'));
  await eventually(() => (existsSync(nmeaSock) && existsSync(ppsSock) ? true : undefined), 10_000, 'chronyd to create its SOCK sockets');

  const config = validateConfig({
    timekeeper: {
      kind: 'chrony',
      statusIntervalS: 1,
      chrony: { sockPath: nmeaSock, ppsSockPath: ppsSock, commandSocket: `127.0.0.1:${port}` },
      pps: { kind: 'gpio' },
      nmeaOffset: { windowSize: 16, minSamples: 8, ...nmeaOffset },
    },
  });
  const store = new ApplianceStore(initialState({ version: 't', pid: process.pid, startedAt: Date.now(), mode: 'simulate', configSource: 'test', gnssDevice: 'sim', timeValidAfter: 3, ppsSource: 'sim', rtcModel: null, timekeeper: 'chrony' }));
  const log = createLogger({ level: 'info', format: 'json', stream: new Writable({ write(_c, _e, cb) { cb(); } }) });

  // The receiver's clock runs a second ahead and it speaks 850 ms after its second: each label
  // names the real second that starts 150 ms after the sentence arrives.
  const ahead: Clock = { now: () => Date.now() + 1000, monoNs: () => systemClock.monoNs(), setTimeout: (fn, ms) => systemClock.setTimeout(fn, ms) };
  const link = new RestampedLink(new SimulatedGnssLink({ clock: ahead, latencyMs: 850, baudRate: 115200 }));
  const gnss = new GnssService({ link, store, log, pipeline: { timeValidAfter: 3 }, backoff: { initialMs: 100, maxMs: 1000 }, epochQuietMs: 80, fixLogIntervalS: 3600 });
  const pps = new PpsService(new SimulatedPps({ clock: systemClock }), store, log, { tracker: ppsTrackerOptions(config.pps) });
  const feed = await startTimekeeperFeed(config, store, gnss, join(dir, 'state'), log);
  await pps.start();
  gnss.start();
  t.teardown(async () => {
    await gnss.stop();
    await pps.stop();
    await feed.stop();
  });
  return { store, port };
}

t.test('a label-before-pulse receiver with nothing to settle the whole second: refused with the reason, nothing sent to chronyd', { skip: hasChrony ? false : 'chronyd/chronyc not installed' }, async (t) => {
  const { store, port } = await startLab(t, {});
  const refused = await eventually(() => store.snapshot.timekeeper.nmeaOffset?.refused ?? undefined, 40_000, 'the calibration refused as ambiguous');
  t.match(refused, /arrive 8\d\d ms after the PPS edge.*not sent.*labelNames/, refused);
  t.equal(store.snapshot.timekeeper.nmeaOffset?.source, 'initial', 'not calibrated on');
  t.ok(store.snapshot.gnss.trust.timeValid, 'the receiver\'s time is valid: only the whole second is unknown');

  // For a while: chronyd gets no NMEA sample at all, so nothing can be a second off.
  const sentBefore = store.snapshot.timekeeper.feed.sockSent;
  const readings: Source[] = [];
  const until = Date.now() + 8_000;
  while (Date.now() < until) {
    const s = nmeaSource(port);
    if (s) readings.push(s);
    await new Promise((r) => setTimeout(r, 500));
  }
  t.ok(readings.length > 5, `${readings.length} readings of chronyd's NMEA source`);
  t.same([...new Set(readings.map((s) => s.reach))], [0], 'chronyd never received an NMEA sample (reach 0)');
  t.equal(store.snapshot.timekeeper.feed.sockSent, sentBefore, 'no NMEA sample sent');
  t.equal(sentBefore, 0, 'none before either');
});

t.test('a label-before-pulse receiver configured so: calibrated to -150 ms, chronyd never sees the NMEA source a second off', { skip: hasChrony ? false : 'chronyd/chronyc not installed' }, async (t) => {
  const { store, port } = await startLab(t, { labelNames: 'next-pulse' });

  const cal = await eventually(() => {
    const e = store.snapshot.timekeeper.nmeaOffset;
    return e?.source === 'calibrated' ? e : undefined;
  }, 40_000, 'a calibration from PPS-paired epochs');
  t.ok(cal.valueS > -0.17 && cal.valueS < -0.13, `calibrated delay ${(cal.valueS * 1000).toFixed(1)} ms: the label comes 150 ms before its pulse`);
  t.equal(cal.labelNames, 'next-pulse');
  t.equal(cal.wholeSecond, 'configured');
  t.equal(cal.refused, null);

  // Every NMEA sample chronyd reports from now on, for a while: none a second off, and once the
  // calibration is in force, all within a few ms of the truth.
  const calibratedAt = Date.now();
  const seen: Source[] = [];
  const until = Date.now() + 12_000;
  while (Date.now() < until) {
    const s = nmeaSource(port);
    if (s && s.reach > 0) seen.push(s);
    await new Promise((r) => setTimeout(r, 500));
  }
  t.ok(seen.length > 10, `${seen.length} readings of the NMEA source`);
  const worst = Math.max(...seen.map((s) => Math.abs(s.offsetS)));
  t.ok(worst < 0.5, `no NMEA sample near a whole second off (worst ${(worst * 1000).toFixed(1)} ms)`);
  const fresh = seen.filter((s) => Date.now() - s.lastRx * 1000 > calibratedAt + 2000);
  t.ok(fresh.length > 0, 'readings taken well after the calibration');
  for (const s of fresh.slice(-3)) t.ok(Math.abs(s.offsetS) < 0.05, `NMEA offset ${(s.offsetS * 1e6).toFixed(0)} µs from truth`);

  // The daemon's own view through its status poller, and the feed counters.
  const tk = store.snapshot.timekeeper;
  t.ok(tk.feed.sockSent > 10, `${tk.feed.sockSent} NMEA samples sent`);
  t.ok(tk.feed.ppsSent > 10, `${tk.feed.ppsSent} PPS samples sent`);
  t.equal(tk.feed.stalledDropped ?? 0, 0, 'no stall here: nothing dropped after the warm-up');
});
