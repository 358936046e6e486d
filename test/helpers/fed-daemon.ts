import { execFile, spawn, spawnSync } from 'node:child_process';
import { BIN, DaemonProcess, eventually, tempDir } from './daemon-process.js';
import { startNmeaChronyd } from './chronyd-lab.js';
import { startPtyPair } from './pty.js';

/**
 * The lab the flood tests share: the built daemon reads a receiver on a real pseudo-terminal
 * (`stratum1d simulate` plays into the other end) and feeds a real chronyd -x through its NMEA
 * SOCK refclock; chronyd is read back with `chronyc -c`. No PPS: the label delay is the
 * simulator's 120 ms latency, given, not calibrated. Started with NMEA samples flowing and
 * chronyd showing the refclock reached; everything is killed at teardown.
 */
export const hasFeedTools = ['chronyd', 'chronyc', 'socat'].every((c) => spawnSync(c, ['-V']).error === undefined && spawnSync(c, ['--version']).error === undefined);

export const chronyc = (port: number, cmd: string): Promise<string> =>
  new Promise((resolve) => {
    execFile('chronyc', ['-h', '127.0.0.1', '-p', String(port), '-c', '-n', cmd], { encoding: 'utf8', timeout: 5000 }, (_e, out) => resolve(out ?? ''));
  });

/** One reading of chronyd's NMEA source: its last sample's age and offset (source minus system). */
export interface Sample { lastRx: number; offsetS: number; at: number }

/** The NMEA row of `chronyc -c sources`, when chronyd has heard from it (reach > 0). */
export const nmeaSample = (out: string): Sample | undefined => {
  const f = out.split('\n').find((l) => l.split(',')[2] === 'NMEA')?.split(',');
  if (!f || parseInt(f[5]!, 8) === 0) return undefined;
  // Field 9: measured offset, system minus source; negated into source minus system.
  return { lastRx: Number(f[6]), offsetS: -Number(f[8]), at: Date.now() };
};

export interface FedDaemon {
  d: DaemonProcess;
  dir: string;
  /** chronyd's command port. */
  port: number;
  /** `stratum1d status --json`'s state, or undefined when status did not answer. */
  state(): Promise<{ timekeeper: { feed: Record<string, number> } } | undefined>;
}

export async function startFedDaemon(t: { teardown(fn: () => unknown): void }, extraEnv: NodeJS.ProcessEnv = {}): Promise<FedDaemon> {
  const dir = tempDir();
  const { port, sock, chronyd } = await startNmeaChronyd(dir);
  t.teardown(() => chronyd.kill('SIGKILL'));
  const pty = await startPtyPair();
  t.teardown(() => pty.dispose());
  const sim = spawn(process.execPath, [BIN, 'simulate', '--to', pty.simSide, '--baud', '115200'], { stdio: ['ignore', 'ignore', 'pipe'] });
  t.teardown(() => sim.kill('SIGKILL'));
  const d = new DaemonProcess(['run'], dir, {
    STRATUM1D_GNSS__DEVICE: pty.daemonSide,
    STRATUM1D_GNSS__BAUD_RATE: '115200',
    STRATUM1D_TIMEKEEPER__CHRONY__SOCK_PATH: sock,
    STRATUM1D_TIMEKEEPER__CHRONY__COMMAND_SOCKET: `127.0.0.1:${port}`,
    STRATUM1D_TIMEKEEPER__STATUS_INTERVAL_S: '1',
    STRATUM1D_TIMEKEEPER__PPS__KIND: 'none',
    STRATUM1D_TIMEKEEPER__NMEA_OFFSET__INITIAL_S: '0.12',
    ...extraEnv,
  });
  t.teardown(() => {
    d.child.kill('SIGCONT'); // a test that stopped it must not leave it stopped
    return d.stop('SIGKILL');
  });
  const state = async (): Promise<{ timekeeper: { feed: Record<string, number> } } | undefined> => {
    const r = await d.status('--json');
    return r.code === 0 ? JSON.parse(r.stdout).state : undefined;
  };
  await eventually(async () => {
    const s = await state();
    return s && (s.timekeeper.feed.sockSent ?? 0) > 3 ? true : undefined;
  }, 30_000, 'NMEA samples flowing to chronyd');
  await eventually(async () => nmeaSample(await chronyc(port, 'sources')), 15_000, 'chronyd to show the NMEA refclock reached');
  return { d, dir, port, state };
}

/** Reads chronyd's NMEA source every 250 ms until `stop`: every sample chronyd reports meanwhile. */
export function watchNmeaSamples(port: number): { samples: Sample[]; stop(): Promise<void> } {
  const samples: Sample[] = [];
  let watching = true;
  const done = (async () => {
    while (watching) {
      const s = nmeaSample(await chronyc(port, 'sources'));
      if (s) samples.push(s);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    samples,
    stop: async () => {
      watching = false;
      await done;
    },
  };
}
