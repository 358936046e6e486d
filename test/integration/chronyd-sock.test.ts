import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import t from 'tap';
import { freeUdpPort } from '../helpers/ports.js';
import { eventually } from '../helpers/daemon-process.js';
import { UnixDatagramSender } from '../../src/drivers/native/unix-datagram-sender.js';
import { SimulatedGnssLink } from '../../src/drivers/sim/simulated-gnss-link.js';
import { SimulatedPps } from '../../src/drivers/sim/simulated-pps.js';
import { systemClock } from '../../src/drivers/clock.js';
import { ApplianceStore, initialState } from '../../src/daemon/core/appliance-state.js';
import { GnssService } from '../../src/daemon/gnss/gnss-service.js';
import { createLogger } from '../../src/daemon/logger.js';
import { ChronySockFeed } from '../../src/daemon/timekeeper/feed/chrony-sock-feed.js';
import { NmeaCalibrationService } from '../../src/daemon/timekeeper/calibration/nmea-calibration-service.js';

/**
 * chronyd 4.x fed by our SOCK samples. chronyd runs with -x (never touches the clock), a
 * private config, private sockets and no NTP port. chronyc talks to it over a private UDP
 * command port on 127.0.0.1 (monitoring commands are allowed from the network): chronyc's
 * unix-socket client binds under /run/chrony, which a test must not create.
 *
 * Truth: the simulator labels each epoch with the second of *this machine's* clock and
 * SimulatedPps stamps edges at that clock's exact top of second, so the true offset of a
 * perfectly calibrated NMEA source is 0; the calibration measures the delay (simulated
 * receiver latency plus our event-loop delivery) from those edges, as it would from a
 * real PPS line, and is never told the configured latency.
 */
const hasChrony = spawnSync('chronyd', ['--version']).status === 0 && spawnSync('chronyc', ['--version']).status === 0;


interface Source { state: string; name: string; reach: number; lastRx: number; offsetS: number }

function sources(port: number): Source[] {
  const r = spawnSync('chronyc', ['-h', '127.0.0.1', '-p', String(port), '-c', '-n', 'sources'], { encoding: 'utf8', timeout: 5000 });
  if (r.status !== 0) return [];
  // chronyc -c sources: mode, state, name, stratum, poll, reach (octal), lastRx, adjusted offset, measured offset, error.
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => {
    const f = l.split(',');
    // chronyc prints the offset as system minus source; negate into "true minus system".
    return { state: f[1]!, name: f[2]!, reach: parseInt(f[5]!, 8), lastRx: Number(f[6]), offsetS: -Number(f[8]) };
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('chronyd -x receives NMEA and PPS SOCK samples, calibrated, and the feed survives a chronyd restart', { skip: hasChrony ? false : 'chronyd/chronyc not installed' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'chronyd-sock-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freeUdpPort();
  const nmeaSock = join(dir, 'nmea.sock');
  const ppsSock = join(dir, 'pps.sock');
  const conf = join(dir, 'chrony.conf');
  writeFileSync(conf, [
    // noselect on both: with -x, chronyd still keeps a virtual correction once it selects a
    // source (e.g. the NMEA label before calibration), and would then report later offsets
    // against that corrected clock. Never selecting keeps every offset against the real clock.
    `refclock SOCK ${nmeaSock} refid NMEA noselect poll 0 delay 0.2`,
    `refclock SOCK ${ppsSock} refid PPS lock NMEA noselect poll 0`,
    'port 0', // no NTP server socket
    `cmdport ${port}`,
    'bindcmdaddress 127.0.0.1',
    `pidfile ${join(dir, 'chronyd.pid')}`,
    `driftfile ${join(dir, 'drift')}`,
    '',
  ].join('\n'));

  let chronyd: ChildProcess | null = null;
  const startChronyd = async (): Promise<void> => {
    chronyd = spawn('chronyd', ['-x', '-d', '-u', 'root', '-f', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    await eventually(() => (existsSync(nmeaSock) && existsSync(ppsSock) ? true : undefined), 10_000, 'chronyd to create its SOCK sockets');
  };
  const stopChronyd = async (): Promise<void> => {
    const c = chronyd;
    chronyd = null;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await exited;
  };
  t.teardown(stopChronyd);

  const store = new ApplianceStore(initialState({ version: 't', pid: process.pid, startedAt: Date.now(), mode: 'simulate', configSource: 'test', gnssDevice: 'simulator', timeValidAfter: 3, ppsSource: 'sim', rtcModel: null, timekeeper: 'chrony' }));
  const feedLog: string[] = [];
  const log = createLogger({ level: 'info', format: 'json', stream: new Writable({ write(c, _e, cb) { feedLog.push(String(c)); cb(); } }) });
  const calibration = new NmeaCalibrationService({ store, log, clock: systemClock, stateFile: join(dir, 'nmea-offset.json'), initialS: 0, windowSize: 16, minSamples: 8 });
  await calibration.start();
  const sender = new UnixDatagramSender();
  t.teardown(() => sender.close());
  const feed = new ChronySockFeed({ sink: sender, nmeaPath: nmeaSock, ppsPath: ppsSock, delayS: () => calibration.delayS, log, store });

  const link = new SimulatedGnssLink({ latencyMs: 120 });
  const gnss = new GnssService({ link, store, log, pipeline: { timeValidAfter: 3 }, backoff: { initialMs: 100, maxMs: 1000 }, epochQuietMs: 80, fixLogIntervalS: 3600 });
  const pps = new SimulatedPps();
  // The PPS SOCK refclock gets edges stamped 3 ms after the top of the second: chronyd must
  // then see this machine's clock as 3 ms ahead of PPS (checks the sign of pulse samples).
  // Sent a little later, as a real edge is read after it happened: chronyd drops samples
  // stamped in its future.
  pps.on('edge', (e) => {
    calibration.onPpsEdge(e);
    setTimeout(() => feed.sendPulse({ ...e, nsec: e.nsec + 3_000_000 }), 20);
  });
  gnss.on('fix', (fix, trust) => {
    calibration.onFix(fix, trust);
    feed.onFix(fix, trust);
  });

  await startChronyd();
  await pps.open();
  gnss.start();
  t.teardown(async () => {
    await gnss.stop();
    await pps.close();
  });

  await eventually(() => (calibration.estimate.source === 'calibrated' ? true : undefined), 30_000, 'calibration from 8 PPS-paired epochs');
  const est = calibration.estimate;
  t.ok(est.valueS > 0.115 && est.valueS < 0.16, `calibrated NMEA delay ${(est.valueS * 1000).toFixed(2)} ms (simulated latency 120 ms + delivery), spread ${((est.spreadS ?? 0) * 1000).toFixed(2)} ms`);

  // Several polls after calibration, so the numbers are from calibrated samples.
  await sleep(3000);
  const readings: Source[][] = [];
  for (let i = 0; i < 5; i++) {
    readings.push(sources(port));
    await sleep(1000);
  }
  const nmea = readings.map((r) => r.find((s) => s.name === 'NMEA')).filter((s): s is Source => s !== undefined);
  const ppsSrc = readings.map((r) => r.find((s) => s.name === 'PPS')).filter((s): s is Source => s !== undefined);
  t.equal(nmea.length, 5, 'chronyc lists the NMEA refclock');
  t.ok(nmea.every((s) => s.reach > 0), `NMEA reach ${nmea.map((s) => s.reach.toString(8)).join(', ')} (octal)`);
  const nmeaOffset = median(nmea.map((s) => s.offsetS));
  t.ok(Math.abs(nmeaOffset) < 0.005, `NMEA offset ${(nmeaOffset * 1000).toFixed(2)} ms within ±5 ms of truth (0)`);
  t.ok(ppsSrc.length === 5 && ppsSrc.every((s) => s.reach > 0), `PPS reach ${ppsSrc.map((s) => s.reach.toString(8)).join(', ')}`);
  const ppsOffset = median(ppsSrc.map((s) => s.offsetS));
  t.ok(Math.abs(ppsOffset - -0.003) < 0.0005, `PPS true-minus-system ${(ppsOffset * 1000).toFixed(3)} ms: -3 ms for edges stamped 3 ms late`);

  // chronyd goes away: the feed counts, logs once, keeps trying.
  const before = feed.stats();
  await stopChronyd();
  await sleep(3500);
  const down = feed.stats();
  t.ok(down.sockFailed >= before.sockFailed + 2, `sockFailed counted while chronyd was down (${before.sockFailed} → ${down.sockFailed})`);
  t.equal(store.snapshot.timekeeper.feed.sockFailed, down.sockFailed + down.ppsFailed, 'counters published into the state');
  t.ok(down.lastError !== null && /ECONNREFUSED|ENOENT/.test(down.lastError), `last error: ${down.lastError}`);
  const warnings = feedLog.filter((l) => l.includes('NMEA SOCK sample not delivered'));
  t.equal(warnings.length, 1, 'one warning for the whole outage, not one per epoch');

  const sentBefore = feed.stats().sockSent;
  const restartedAt = Date.now();
  await startChronyd();
  const resumedAt = await eventually(() => (feed.stats().sockSent > sentBefore ? Date.now() : undefined), 30_000, 'the feed to resume');
  // It retries every epoch; how soon it got through on this machine is reported, not judged.
  t.comment(`resumed ${resumedAt - restartedAt} ms after chronyd's socket appeared (one epoch: 1000 ms)`);
  const again = await eventually(() => {
    const s = sources(port).find((x) => x.name === 'NMEA');
    return s && s.reach > 0 ? s : undefined;
  }, 10_000, 'NMEA reach > 0 after the restart');
  t.ok(again.reach > 0, `reach ${again.reach.toString(8)} after the restart`);
  t.ok(feedLog.some((l) => l.includes('NMEA SOCK sample delivered again')), 'recovery logged');
});
