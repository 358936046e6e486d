import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, type BenchFigure } from './figure.js';
import { sampleProc } from './proc-sample.js';
import { benchDaemonEnv } from './daemon-env.js';
import { shippedNodeOptions } from './shipped-node-options.js';

/**
 * The daemon's memory footprint against its peer, an idle bare `node`, measured side by side:
 *
 *  - `footprint-rss-30s`: RSS 30 s after start, the daemon on its 1 Hz simulator (the default
 *    configuration: gpsd JSON, HTTP health/metrics, the chrony feed; MCP network and fleet off)
 *    and `node -e 'setInterval(() => {}, 1000)'` started together, one pair per round, the
 *    start order alternating. Goal: ≤ 1.6× the bare node (medians).
 *  - `footprint-soak-10hz`: RSS growth of the daemon at 10 Hz from 60 s after start to the end of
 *    the soak (BENCH_SOAK_SECONDS, default 3600), the bare node beside it. Goal: ≤ 5 %.
 *
 * Both read VmRSS from /proc/PID/status: what the kernel charges the process, as a Pi user sees it.
 */

const BIN = new URL('../../bin/stratum1d.js', import.meta.url).pathname;
const BARE_SCRIPT = 'setInterval(() => {}, 1000)';
const RSS_AT_S = 30;
const SOAK_BASE_S = 60;
const SOAK_SAMPLE_S = 10;
export const DEFAULT_SOAK_SECONDS = 3600;
const GOAL_RATIO = 1.6;
const GOAL_GROWTH_PCT = 5;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (kib: number) => kib / 1024;
const fmt = (x: number, d = 1) => x.toFixed(d);

type Log = (s: string) => void;

const daemonEnv = (dir: string, rateHz: number): NodeJS.ProcessEnv => benchDaemonEnv(dir, { STRATUM1D_SIMULATOR__RATE_HZ: String(rateHz) });

function envLine(rateHz: number): string {
  return `env -i PATH="$PATH" HOME=$D NODE_OPTIONS='${shippedNodeOptions()}' STRATUM1D_PATHS__RUNTIME_DIR=$D/run STRATUM1D_PATHS__STATE_DIR=$D/state STRATUM1D_LOG__LEVEL=warn STRATUM1D_GPSD__PORT=0 STRATUM1D_HTTP__LISTEN=127.0.0.1:0 STRATUM1D_SIMULATOR__RATE_HZ=${rateHz}`;
}

interface Running {
  child: ChildProcess;
  /** The last lines of stderr, to say why it died. */
  tail: () => string;
}

function startDaemon(dir: string, rateHz: number): Running {
  const child = spawn(process.execPath, [BIN, 'run', '--simulate'], { env: daemonEnv(dir, rateHz), stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err = (err + c).slice(-4000)));
  return { child, tail: () => err.trim().split('\n').slice(-5).join('\n') };
}

function startBare(): Running {
  const child = spawn(process.execPath, ['-e', BARE_SCRIPT], { stdio: 'ignore' });
  return { child, tail: () => '' };
}

function rssMiB(r: Running, what: string): number {
  if (r.child.exitCode !== null || r.child.signalCode !== null) throw new Error(`${what} exited (${r.child.exitCode ?? r.child.signalCode}) during the bench: ${r.tail()}`);
  return mib(sampleProc(r.child.pid!).rssKiB);
}

function stop(r: Running): Promise<void> {
  return new Promise((resolve) => {
    if (r.child.exitCode !== null || r.child.signalCode !== null) return resolve();
    const kill = setTimeout(() => r.child.kill('SIGKILL'), 5000);
    r.child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    r.child.kill('SIGTERM');
  });
}

/** One round: the daemon (1 Hz) and a bare node, started together (order given), RSS at 30 s. */
async function rssRound(daemonFirst: boolean): Promise<{ daemon: number; bare: number }> {
  const dir = mkdtempSync(join(tmpdir(), 's1d-footprint-'));
  let daemon: Running | null = null;
  let bare: Running | null = null;
  try {
    if (daemonFirst) {
      daemon = startDaemon(dir, 1);
      bare = startBare();
    } else {
      bare = startBare();
      daemon = startDaemon(dir, 1);
    }
    await sleep(RSS_AT_S * 1000);
    // Read back to back, in the same order as started.
    const a = rssMiB(daemonFirst ? daemon : bare, daemonFirst ? 'the daemon' : 'the bare node');
    const b = rssMiB(daemonFirst ? bare : daemon, daemonFirst ? 'the bare node' : 'the daemon');
    return daemonFirst ? { daemon: a, bare: b } : { daemon: b, bare: a };
  } finally {
    await Promise.all([daemon && stop(daemon), bare && stop(bare)]);
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface SoakResult {
  seconds: number;
  /** [seconds since start, daemon MiB, bare MiB], every SOAK_SAMPLE_S. */
  samples: Array<[number, number, number]>;
  daemonAtBase: number;
  daemonAtEnd: number;
  daemonPeakAfterBase: number;
  /** Highest RSS in the first window after the first minute, and in the last window of the same length. */
  window: { seconds: number; firstPeak: number; lastPeak: number };
  bareAtBase: number;
  bareAtEnd: number;
}

/** The daemon at 10 Hz for `seconds` (≥ 2 min), a bare node beside it, RSS every 10 s. */
export async function soak(seconds: number, log: Log): Promise<SoakResult> {
  if (!(seconds >= SOAK_BASE_S * 2)) throw new Error(`soak of ${seconds} s: at least ${SOAK_BASE_S * 2} s (the first minute is the baseline)`);
  const dir = mkdtempSync(join(tmpdir(), 's1d-soak-'));
  const daemon = startDaemon(dir, 10);
  const bare = startBare();
  const t0 = Date.now();
  const samples: Array<[number, number, number]> = [];
  try {
    for (let t = SOAK_SAMPLE_S; t <= seconds; t += SOAK_SAMPLE_S) {
      await sleep(Math.max(0, t0 + t * 1000 - Date.now()));
      samples.push([t, rssMiB(daemon, 'the daemon'), rssMiB(bare, 'the bare node')]);
      if (t % 300 === 0) log(`footprint soak: ${t}/${seconds} s, daemon ${fmt(samples.at(-1)![1])} MiB, bare node ${fmt(samples.at(-1)![2])} MiB`);
    }
  } finally {
    await Promise.all([stop(daemon), stop(bare)]);
    rmSync(dir, { recursive: true, force: true });
  }
  const base = samples.find(([t]) => t >= SOAK_BASE_S)!;
  const end = samples.at(-1)!;
  const w = Math.min(600, Math.floor((seconds - SOAK_BASE_S) / 2));
  const peak = (from: number, to: number) => Math.max(...samples.filter(([t]) => t >= from && t <= to).map((x) => x[1]));
  return {
    window: { seconds: w, firstPeak: peak(SOAK_BASE_S, SOAK_BASE_S + w), lastPeak: peak(seconds - w, seconds) },
    seconds,
    samples,
    daemonAtBase: base[1],
    daemonAtEnd: end[1],
    daemonPeakAfterBase: Math.max(...samples.filter(([t]) => t >= SOAK_BASE_S).map((s) => s[1])),
    bareAtBase: base[2],
    bareAtEnd: end[2],
  };
}

const growthPct = (from: number, to: number) => ((to - from) / from) * 100;

/** The footprint figures for `npm run bench` (see the header). */
export async function benchFootprintFigures(opts: { rounds: number; log: Log; soakSeconds?: number }): Promise<BenchFigure[]> {
  const { rounds, log } = opts;
  const soakSeconds = opts.soakSeconds ?? (process.env.BENCH_SOAK_SECONDS ? Number(process.env.BENCH_SOAK_SECONDS) : DEFAULT_SOAK_SECONDS);
  const daemon: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const r = await rssRound(i % 2 === 0);
    daemon.push(r.daemon);
    bare.push(r.bare);
    log(`footprint round ${i + 1}/${rounds}: daemon ${fmt(r.daemon)} MiB, bare node ${fmt(r.bare)} MiB (${fmt(r.daemon / r.bare, 2)}×)`);
  }
  const ratio = median(daemon) / median(bare);
  const ratios = daemon.map((d, i) => d / bare[i]!);
  const rssFigure: BenchFigure = {
    id: 'footprint-rss-30s',
    what: `RSS ${RSS_AT_S} s after start: \`stratum1d run --simulate\` (1 Hz, default configuration) vs an idle bare node started beside it`,
    unit: 'MiB',
    better: 'lower',
    ours: { label: 'stratum1d run --simulate (1 Hz)', samples: daemon },
    peer: { label: `node -e '${BARE_SCRIPT}'`, version: process.version, samples: bare },
    goal: {
      text: `≤ ${GOAL_RATIO}× an idle bare node`,
      measured: `${fmt(ratio, 2)}× (median ${fmt(median(daemon))} / ${fmt(median(bare))} MiB; per round ${ratios.map((r) => fmt(r, 2)).join(', ')})`,
      met: ratio <= GOAL_RATIO,
      ...(ratio <= GOAL_RATIO ? {} : { why: `${fmt(ratio, 2)}× is ${fmt((ratio / GOAL_RATIO - 1) * 100)} % over: what a default configuration loads beyond a bare node is mostly zod (the config schema, its locales already cut to English), the YAML parser and the node builtins a time server needs (net, http, child_process)` }),
    },
    commands: [
      'npx tsc -p tsconfig.json',
      `D=$(mktemp -d); ${envLine(1)} node bin/stratum1d.js run --simulate & P=$!; node -e '${BARE_SCRIPT}' & B=$!; sleep ${RSS_AT_S}; grep VmRSS /proc/$P/status /proc/$B/status; kill $P $B`,
    ],
    notes: `${rounds} rounds, the pair started together (order alternating), VmRSS read back to back. HTTP listens on an ephemeral port and gpsd JSON on port 0 so that runs beside other daemons do not collide; both are loaded and listening as in the default configuration.`,
  };
  if (!(soakSeconds > 0)) return [rssFigure];

  log(`footprint soak: the daemon at 10 Hz for ${soakSeconds} s (BENCH_SOAK_SECONDS)`);
  const s = await soak(soakSeconds, log);
  // V8's heap saws up and down by tens of MiB at 10 Hz (young generation, then old-space
  // collections), so two single readings say little. Judged: the highest RSS in the last
  // window (≤ 10 min) against the highest in the same-length window right after the first
  // minute; a leak raises the peaks. The endpoint readings are given beside it.
  const growth = growthPct(s.window.firstPeak, s.window.lastPeak);
  const endGrowth = growthPct(s.daemonAtBase, s.daemonAtEnd);
  const bareGrowth = growthPct(s.bareAtBase, s.bareAtEnd);
  const hour = soakSeconds >= 3600;
  const met = growth <= GOAL_GROWTH_PCT;
  const soakFigure: BenchFigure = {
    id: 'footprint-soak-10hz',
    what: `RSS growth at 10 Hz over ${soakSeconds} s: peak of the last ${s.window.seconds} s vs peak of the ${s.window.seconds} s after the first minute, \`stratum1d run --simulate\` at 10 Hz, an idle bare node beside it`,
    unit: '%',
    better: 'lower',
    ours: { label: 'stratum1d run --simulate (10 Hz)', samples: [growth] },
    peer: { label: `node -e '${BARE_SCRIPT}'`, version: process.version, samples: [bareGrowth] },
    goal: {
      text: `≤ ${GOAL_GROWTH_PCT} % growth after the first minute, over an hour`,
      measured: `${fmt(growth, 2)} % (window peaks ${fmt(s.window.firstPeak)} → ${fmt(s.window.lastPeak)} MiB; readings at ${SOAK_BASE_S} s and at the end ${fmt(s.daemonAtBase)} → ${fmt(s.daemonAtEnd)} MiB, ${fmt(endGrowth, 2)} %; highest ${fmt(s.daemonPeakAfterBase)} MiB) over ${soakSeconds} s`,
      met: met && hour,
      ...(met && hour ? {} : { why: !met ? `grew ${fmt(growth, 2)} %` : `the soak ran ${soakSeconds} s, not the hour the goal names (BENCH_SOAK_SECONDS=3600)` }),
    },
    commands: [
      'npx tsc -p tsconfig.json',
      `D=$(mktemp -d); ${envLine(10)} node bin/stratum1d.js run --simulate & P=$!; sleep ${SOAK_BASE_S}; grep VmRSS /proc/$P/status; sleep ${soakSeconds - SOAK_BASE_S}; grep VmRSS /proc/$P/status; kill $P`,
      `node dist/bench/footprint-bench.js soak ${soakSeconds}`,
    ],
    notes: `One run (an hour per round). RSS every ${SOAK_SAMPLE_S} s; minutes: ${s.samples
      .filter(([t]) => t % 60 === 0)
      .map(([t, d]) => `${t / 60}′ ${fmt(d)}`)
      .join(', ')} MiB.`,
  };
  return [rssFigure, soakFigure];
}

// `node dist/bench/footprint-bench.js [soak SECONDS | rss ROUNDS]`: one part by hand, as JSON.
if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  const log: Log = (s) => process.stderr.write(`${s}\n`);
  const [what, n] = process.argv.slice(2);
  const run =
    what === 'soak'
      ? soak(Number(n ?? DEFAULT_SOAK_SECONDS), log)
      : benchFootprintFigures({ rounds: Number(n ?? 3), log, soakSeconds: what === 'rss' ? 0 : undefined });
  run.then(
    (r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`),
    (err: Error) => {
      process.stderr.write(`${err.stack}\n`);
      process.exitCode = 1;
    },
  );
}
