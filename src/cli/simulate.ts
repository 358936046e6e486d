import { access } from 'node:fs/promises';
import type { Clock } from '../drivers/clock.js';
import { systemClock } from '../drivers/clock.js';
import type { SerialLink } from '../drivers/serial/serial-link.js';
import { DeviceSink, StreamSink } from '../drivers/sim/line-sink.js';
import type { LineSink } from '../drivers/sim/line-sink.js';
import { LogReplayLink } from '../drivers/sim/log-replay-link.js';
import type { FixOutage } from '../drivers/sim/nmea-generator.js';
import { SimulatedGnssLink } from '../drivers/sim/simulated-gnss-link.js';
import { parseFlags, UsageError } from './flags.js';

const EX_USAGE = 64;
const EX_NOINPUT = 66;

const USAGE = `usage: stratum1d simulate [--to PATH] [options]

Plays a simulated GNSS receiver (NMEA 0183, time labels from this host's clock) or a
recorded log, one line at a time, CR LF terminated, into PATH (a tty such as the
simulator side of scripts/sim-pty.sh, or a FIFO), or to stdout without --to.

  --to PATH             write to this tty/FIFO instead of stdout
  --rate HZ             epochs per second: 1, 2, 4, 5, 8, 10 (default 1)
  --latency MS          first byte this long after the labelled second (default 120)
  --baud N              line spacing as at this baud rate (default 9600; use 115200 for 10 Hz)
  --lose-fix-at S       lose the fix S seconds after start...
  --lose-fix-for S      ...for S seconds (default 10)
  --replay FILE         play a recorded NMEA log instead of the simulator
  --speed N             replay speed factor, or "inf" for as fast as possible (default 1)
  --loop                replay the log again and again
  --duration S          stop after S seconds (default: until SIGINT/SIGTERM)
  --help                this text`;

const SPEC = {
  to: 'string',
  rate: 'string',
  latency: 'string',
  baud: 'string',
  'lose-fix-at': 'string',
  'lose-fix-for': 'string',
  replay: 'string',
  speed: 'string',
  loop: 'boolean',
  duration: 'string',
  help: 'boolean',
} as const;

export interface SimulateIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface SimulateHooks {
  /** Stops the run like SIGTERM does (for in-process callers, who must not signal themselves). */
  signal?: AbortSignal;
  clock?: Clock;
}

function num(flags: Record<string, unknown>, name: string, ok: (n: number) => boolean, what: string): number | undefined {
  const raw = flags[name];
  if (raw === undefined) return undefined;
  const n = raw === 'inf' || raw === 'Infinity' ? Infinity : Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || Number.isNaN(n) || !ok(n)) {
    throw new UsageError(`--${name} must be ${what}, got "${String(raw)}"`);
  }
  return n;
}

interface Plan {
  to: string | undefined;
  duration: number | undefined;
  replay: { file: string; speed: number; loop: boolean } | undefined;
  sim: { rateHz: number; latencyMs: number; baudRate: number; outages: FixOutage[] };
}

function plan(argv: string[]): Plan | 'help' {
  const f = parseFlags(argv, { ...SPEC });
  if (f.help) return 'help';
  if (f._.length) throw new UsageError(`unexpected argument "${f._[0]}"`);
  const finite = (n: number) => Number.isFinite(n);
  const rateHz = num(f, 'rate', (n) => [1, 2, 4, 5, 8, 10].includes(n), '1, 2, 4, 5, 8 or 10') ?? 1;
  const latencyMs = num(f, 'latency', (n) => finite(n) && n >= 0 && n < 1000, 'a number of ms in [0, 1000)') ?? 120;
  const baudRate = num(f, 'baud', (n) => Number.isInteger(n) && n >= 300, 'a baud rate ≥ 300') ?? 9600;
  const loseAt = num(f, 'lose-fix-at', (n) => finite(n) && n >= 0, 'a number of seconds ≥ 0');
  const loseFor = num(f, 'lose-fix-for', (n) => finite(n) && n > 0, 'a number of seconds > 0');
  const speed = num(f, 'speed', (n) => n > 0, 'a factor > 0 or "inf"');
  const duration = num(f, 'duration', (n) => finite(n) && n > 0, 'a number of seconds > 0');
  if (loseFor !== undefined && loseAt === undefined) throw new UsageError('--lose-fix-for needs --lose-fix-at');
  const replayFile = f.replay as string | undefined;
  if (replayFile !== undefined) {
    for (const name of ['rate', 'latency', 'baud', 'lose-fix-at', 'lose-fix-for']) {
      if (f[name] !== undefined) throw new UsageError(`--${name} applies to the simulator, not to --replay`);
    }
  } else if (speed !== undefined || f.loop) {
    throw new UsageError('--speed and --loop apply to --replay only');
  }
  return {
    to: f.to as string | undefined,
    duration,
    replay: replayFile === undefined ? undefined : { file: replayFile, speed: speed ?? 1, loop: f.loop === true },
    sim: {
      rateHz,
      latencyMs,
      baudRate,
      outages: loseAt === undefined ? [] : [{ fromSec: loseAt, forSec: loseFor ?? 10 }],
    },
  };
}

/** `stratum1d simulate`: resolves with the exit code once stopped (signal, --duration, end of a replay). */
export async function runSimulate(argv: string[], io: SimulateIo, hooks: SimulateHooks = {}): Promise<number> {
  const clock = hooks.clock ?? systemClock;
  const say = (msg: string) => io.stderr.write(`stratum1d simulate: ${msg}\n`);
  let p: Plan | 'help';
  try {
    p = plan(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    say(err.message);
    io.stderr.write(`${USAGE}\n`);
    return EX_USAGE;
  }
  if (p === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }

  let link: SerialLink;
  if (p.replay) {
    try {
      await access(p.replay.file);
    } catch (err) {
      say(`cannot read ${p.replay.file}: ${(err as Error).message}`);
      return EX_NOINPUT;
    }
    link = new LogReplayLink({ file: p.replay.file, speed: p.replay.speed, loop: p.replay.loop, clock });
  } else {
    const { rateHz, latencyMs, baudRate, outages } = p.sim;
    link = new SimulatedGnssLink({ clock, rateHz, latencyMs, baudRate, generator: { outages } });
  }

  let sink: LineSink;
  let stdoutGone = (): void => undefined;
  const stdoutClosed = new Promise<void>((resolve) => (stdoutGone = resolve));
  try {
    sink = p.to === undefined ? new StreamSink(io.stdout, stdoutGone) : new DeviceSink(p.to, clock, say);
  } catch (err) {
    say(`cannot open ${p.to}: ${(err as Error).message}`);
    return EX_NOINPUT;
  }

  let lines = 0;
  link.on('line', ({ line }) => {
    lines++;
    sink.write(line);
  });
  try {
    await link.open();
  } catch (err) {
    sink.close();
    say((err as Error).message);
    return EX_NOINPUT;
  }
  const what = p.replay ? `replaying ${p.replay.file} at ${p.replay.speed}x` : `simulating ${p.sim.rateHz} Hz, latency ${p.sim.latencyMs} ms`;
  say(`${what} into ${p.to ?? 'stdout'}`);

  const ended = link instanceof LogReplayLink ? link.ended() : new Promise<void>(() => undefined);
  await stopped(hooks.signal, p.duration, clock, Promise.race([ended, stdoutClosed]));
  await link.close();
  sink.close();
  say(`stopped after ${lines} lines${sink.dropped ? `, ${sink.dropped} not written (nobody reading, or device gone)` : ''}`);
  return 0;
}

/** Resolves on SIGINT/SIGTERM, the abort signal, the duration, or `ended` (end of a replay, stdout closed). */
function stopped(signal: AbortSignal | undefined, durationS: number | undefined, clock: Clock, ended: Promise<void>): Promise<void> {
  return new Promise<void>((resolve) => {
    const cleanups: (() => void)[] = [];
    const done = () => {
      for (const c of cleanups) c();
      resolve();
    };
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.once(sig, done);
      cleanups.push(() => process.off(sig, done));
    }
    if (signal) {
      if (signal.aborted) return done();
      signal.addEventListener('abort', done, { once: true });
      cleanups.push(() => signal.removeEventListener('abort', done));
    }
    if (durationS !== undefined) cleanups.push(clock.setTimeout(done, durationS * 1000));
    void ended.then(done);
  });
}
