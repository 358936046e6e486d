import t from 'tap';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DaemonProcess, eventually, tempDir } from '../helpers/daemon-process.js';

/**
 * The built daemon on its simulator feeding a real chronyd (-x: it never touches the clock)
 * through the SOCK refclock, with the NMEA delay calibrated against the simulator's PPS edges.
 * The simulator labels each second of this machine's clock, so the truth is an offset of 0.
 */
async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function nmeaSource(port: number): { reach: number; offsetS: number } | undefined {
  const r = spawnSync('chronyc', ['-h', '127.0.0.1', '-p', String(port), '-c', '-n', 'sources'], { encoding: 'utf8', timeout: 5000 });
  const line = r.stdout?.split('\n').find((l) => l.split(',')[2] === 'NMEA');
  if (!line) return undefined;
  const f = line.split(',');
  // Field 9 is the measured offset (system minus source); negate it into source minus system.
  return { reach: parseInt(f[5]!, 8), offsetS: -Number(f[8]) };
}

t.test('stratum1d run --simulate feeds chronyd -x; calibrated NMEA offset within ±5 ms of truth', async (t) => {
  const dir = tempDir();
  const port = await freeUdpPort();
  const sock = join(dir, 'nmea.sock');
  const conf = join(dir, 'chrony.conf');
  writeFileSync(conf, [`refclock SOCK ${sock} refid NMEA poll 0 delay 0.2`, 'port 0', `cmdport ${port}`, 'bindcmdaddress 127.0.0.1', `pidfile ${join(dir, 'chronyd.pid')}`, `driftfile ${join(dir, 'drift')}`, ''].join('\n'));
  const chronyd: ChildProcess = spawn('chronyd', ['-x', '-d', '-u', 'root', '-f', conf], { stdio: 'ignore' });
  t.teardown(() => chronyd.kill('SIGKILL'));
  await eventually(() => (existsSync(sock) ? true : undefined), 10_000, 'chronyd to create its SOCK socket');

  const d = new DaemonProcess(['run', '--simulate'], dir, {
    STRATUM1D_TIMEKEEPER__CHRONY__SOCK_PATH: sock,
    STRATUM1D_TIMEKEEPER__NMEA_OFFSET__MIN_SAMPLES: '8',
  });
  t.teardown(() => d.stop('SIGKILL'));

  const calibrated = await eventually(async () => {
    const r = await d.status('--json');
    if (r.code !== 0) return undefined;
    const tk = JSON.parse(r.stdout).state.timekeeper;
    return tk.nmeaOffset?.source === 'calibrated' && tk.feed.sockSent > 3 ? tk : undefined;
  }, 30_000, 'a calibrated NMEA delay and samples sent');
  t.ok(calibrated.nmeaOffset.valueS > 0.1 && calibrated.nmeaOffset.valueS < 0.2, `calibrated delay ${calibrated.nmeaOffset.valueS} s (simulated latency 0.12 s)`);
  t.equal(calibrated.nmeaOffset.reference, 'pps');

  // Past calibration, the last few samples chronyd took must sit on the truth.
  const sinceCalibration = Date.now();
  const source = await eventually(() => {
    const s = nmeaSource(port);
    return s && s.reach > 0 && Date.now() - sinceCalibration > 4000 ? s : undefined;
  }, 20_000, 'chronyc to show the NMEA refclock reachable');
  t.ok(Math.abs(source.offsetS) < 0.005, `NMEA offset ${(source.offsetS * 1000).toFixed(2)} ms from truth`);

  const text = await d.status();
  t.match(text.stdout, /nmea offset +1\d\d\.\d ms \(calibrated/);
  t.equal((await d.stop()).code, 0);
  t.ok(existsSync(join(dir, 'state', 'nmea-offset.json')), 'the calibration is kept in the state directory');
});
