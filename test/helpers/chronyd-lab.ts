import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { systemClock } from '../../src/drivers/clock.js';
import { UnixDatagramSender } from '../../src/drivers/native/unix-datagram-sender.js';
import { DeviceSink } from '../../src/drivers/sim/line-sink.js';
import type { NmeaGeneratorOptions } from '../../src/drivers/sim/nmea-generator.js';
import { SimulatedGnssLink } from '../../src/drivers/sim/simulated-gnss-link.js';
import { defaultSockLayout, encodeSockSample, msToTimeval } from '../../src/daemon/timekeeper/feed/sock-sample.js';
import { DaemonProcess, eventually } from './daemon-process.js';
import { startPtyPair, type PtyPair } from './pty.js';
import { freeUdpPort } from './ports.js';

export const hasChrony = spawnSync('chronyd', ['--version']).status === 0 && spawnSync('chronyc', ['--version']).status === 0;
export const hasSocat = spawnSync('socat', ['-V']).status === 0;

/**
 * A real `chronyd -x` (never touches the clock) with two SOCK refclocks: the daemon's NMEA
 * (`noselect`, so every offset it logs is against this machine's real clock) and REF, fed by
 * the test with true samples (offset 0) so that chronyd synchronises to a source that is not
 * the receiver, as an appliance with network servers does. `log refclocks` records every
 * sample chronyd received: the evidence that a bad label never reached it.
 */
export interface ChronydLab {
  port: number;
  nmeaSock: string;
  /** Offsets (seconds) of every NMEA sample chronyd logged, raw and filtered. */
  nmeaOffsets(): number[];
  stop(): Promise<void>;
}

/**
 * A private chronyd configuration in `dir`: the given refclock lines, no NTP port, the command
 * port on loopback, pid and drift files of its own. Returns the file's path.
 */
export function chronydConf(dir: string, cmdPort: number, lines: string[]): string {
  const conf = join(dir, 'chrony.conf');
  writeFileSync(conf, [...lines, 'port 0', `cmdport ${cmdPort}`, 'bindcmdaddress 127.0.0.1', `pidfile ${join(dir, 'chronyd.pid')}`, `driftfile ${join(dir, 'drift')}`, ''].join('\n'));
  return conf;
}

/**
 * `chronyd -x` (never the machine's clock) in the foreground on a configuration from chronydConf.
 * Its log (stderr under -d) goes to `chronyd.log` beside the configuration, so a test can say
 * what chronyd saw (chronydWarnings).
 */
export function spawnChronyd(conf: string): ChildProcess {
  const log = openSync(join(dirname(conf), 'chronyd.log'), 'a');
  try {
    return spawn('chronyd', ['-x', '-d', '-u', 'root', '-f', conf], { stdio: ['ignore', log, log] });
  } finally {
    closeSync(log);
  }
}

/** chronyd's warnings so far (e.g. "Out of order sample detected, discarding history for NMEA"). */
export function chronydWarnings(dir: string): string[] {
  try {
    return readFileSync(join(dir, 'chronyd.log'), 'utf8').split('\n').filter((l) => /warn|discard|jump|ignored|error/i.test(l));
  } catch {
    return [];
  }
}

/** chronyd with one NMEA SOCK refclock (noselect): what the flood tests feed and read back. */
export async function startNmeaChronyd(dir: string): Promise<{ port: number; sock: string; chronyd: ChildProcess }> {
  const port = await freeUdpPort();
  const sock = join(dir, 'nmea.sock');
  const chronyd = spawnChronyd(chronydConf(dir, port, [`refclock SOCK ${sock} refid NMEA noselect poll 0 delay 0.2`]));
  await eventually(() => (existsSync(sock) ? true : undefined), 10_000, 'chronyd to create its SOCK socket');
  return { port, sock, chronyd };
}

export async function startChronydLab(dir: string): Promise<ChronydLab> {
  const port = await freeUdpPort();
  const nmeaSock = join(dir, 'nmea.sock');
  const refSock = join(dir, 'ref.sock');
  const conf = chronydConf(dir, port, [
    `refclock SOCK ${nmeaSock} refid NMEA noselect poll 0 delay 0.2`,
    `refclock SOCK ${refSock} refid REF poll 0 filter 2`,
    `logdir ${dir}`,
    'log refclocks',
  ]);
  const chronyd: ChildProcess = spawnChronyd(conf);
  await eventually(() => (existsSync(nmeaSock) && existsSync(refSock) ? true : undefined), 10_000, 'chronyd to create its SOCK sockets');
  const sender = new UnixDatagramSender();
  const layout = defaultSockLayout();
  const ref = setInterval(() => {
    try {
      sender.send(refSock, encodeSockSample({ ...msToTimeval(Date.now()), offset: 0, pulse: false, leap: 0 }, layout));
    } catch {
      // chronyd gone: the test's own assertions say so
    }
  }, 1000);
  return {
    port,
    nmeaSock,
    nmeaOffsets() {
      const file = join(dir, 'refclocks.log');
      if (!existsSync(file)) return [];
      return readFileSync(file, 'utf8').split('\n').flatMap((l) => {
        const f = l.trim().split(/\s+/);
        // Raw sample lines carry the raw and cooked offsets; filter-output lines ('-' for raw) the cooked one.
        return f[2] === 'NMEA' ? [f[6], f[7]].map(Number).filter(Number.isFinite) : [];
      });
    },
    async stop() {
      clearInterval(ref);
      sender.close();
      if (chronyd.exitCode === null) {
        const gone = new Promise((r) => chronyd.once('exit', r));
        chronyd.kill('SIGTERM');
        await gone;
      }
    },
  };
}

/** A simulated receiver writing into the simulator side of a socat pty pair, with its fault hooks. */
export async function playReceiver(generator: Partial<NmeaGeneratorOptions> = {}): Promise<{ pty: PtyPair; link: SimulatedGnssLink; stop(): Promise<void> }> {
  const pty = await startPtyPair();
  const sink = new DeviceSink(pty.simSide, systemClock, () => undefined);
  const link = new SimulatedGnssLink({ latencyMs: 120, generator: { talker: 'GP', nmeaVersion: '2.3', ...generator } });
  link.on('line', ({ line }) => sink.write(line));
  await link.open();
  return {
    pty,
    link,
    async stop() {
      await link.close();
      sink.close();
      await pty.dispose();
    },
  };
}

/** The daemon in hardware mode on the pty, feeding the lab's chronyd; no PPS, no RTC. */
export function startDaemon(dir: string, pty: PtyPair, lab: ChronydLab): DaemonProcess {
  return new DaemonProcess(['run'], dir, {
    STRATUM1D_GNSS__DEVICE: pty.daemonSide,
    STRATUM1D_TIMEKEEPER__CHRONY__SOCK_PATH: lab.nmeaSock,
    STRATUM1D_TIMEKEEPER__CHRONY__COMMAND_SOCKET: `127.0.0.1:${lab.port}`,
    STRATUM1D_TIMEKEEPER__STATUS_INTERVAL_S: '1',
    STRATUM1D_TIMEKEEPER__PPS__KIND: 'none',
    STRATUM1D_RTC__MODEL: 'none',
    STRATUM1D_ALARMS__RAISE_AFTER_S: '1',
  });
}

export interface DaemonView {
  gnss: {
    fix: { mode: number } | null;
    trust: { timeValid: boolean; validStreak: number; check?: { verdict: string; reference: string | null; rolloverWeeks: number; message: string | null }; lastStep?: { kind: string; message: string } | null };
  };
  timekeeper: { synced: boolean | null; feed: { sockSent: number } };
  alarms: { active: { id: string; message: string }[] };
}

export async function view(d: DaemonProcess): Promise<DaemonView | undefined> {
  const r = await d.status('--json');
  return r.code === 0 ? (JSON.parse(r.stdout).state as DaemonView) : undefined;
}

export async function until(d: DaemonProcess, what: string, ok: (v: DaemonView) => boolean, timeoutMs = 30_000): Promise<DaemonView> {
  return eventually(async () => {
    const v = await view(d);
    return v && ok(v) ? v : undefined;
  }, timeoutMs, what);
}
