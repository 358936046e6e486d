import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchReady } from './daemon-bench.js';
import { benchDecodeFigures } from './decode-throughput.js';
import { benchFootprintFigures } from './footprint-bench.js';
import { benchMcpFigures } from './mcp-bench.js';
import { benchPipelinedFigures } from './pipelined-http.js';
import type { BenchFigure } from './figure.js';
import { fleetFigures } from './fleet-figures.js';
import { benchFleetIngest } from './fleet-ingest.js';
import { PARTS, parseCli, type Cli, type Part } from './bench-cli.js';
import { gitState } from './git-state.js';
import { machineInfo, machineLine, sampleLoad } from './machine.js';
import { fmtNum, renderReadme, renderReport, replaceBetweenMarkers, type RunInfo, type SectionResult } from './report.js';
import { benchSockLatency } from './sock-latency.js';

/**
 * `npm run bench` = `node dist/bench/run.js [all|decode|mcp|footprint|fleet] [--rounds N]`.
 *
 * Every figure is measured against its peer in this same run, alternating A/B, one sample per
 * round (BENCH_ROUNDS, default 5); the report gives medians, the min–max spread, the rounds,
 * the goal verdict and the exact commands, under a header with the date, the commit (and
 * whether the tree was dirty), the machine, the load at both ends, and every peer's version.
 *
 * Only `all` rewrites bench/results.md and the README's bench section; a partial run writes
 * bench/results-<part>.md, so a figure never sits next to ones from another run.
 *
 * Other knobs: BENCH_SOAK_SECONDS (footprint soak; the footprint bench's default when unset),
 * BENCH_FLEET_DEVICES (5000), BENCH_FLEET_SECONDS (60 s window), BENCH_FLEET_RUNS (rounds of
 * the fleet part; defaults to the rounds, each round is ~4 minutes).
 */

const ROOT = new URL('../../', import.meta.url).pathname;
type Log = (s: string) => void;

const log: Log = (s) => process.stderr.write(`${s}\n`);

/** The command line as typed, with the BENCH_* variables that shaped it. */
function commandLine(argv: readonly string[], env: NodeJS.ProcessEnv): string {
  const vars = Object.keys(env)
    .filter((k) => k.startsWith('BENCH_'))
    .sort()
    .map((k) => `${k}=${env[k]}`);
  return [...vars, 'node', 'dist/bench/run.js', ...argv].join(' ');
}

async function sockFigures(rounds: number, harness: string): Promise<BenchFigure[]> {
  const epochs = 2000;
  const runs = [];
  for (let i = 0; i < rounds; i++) runs.push(await benchSockLatency(epochs));
  const commands = [harness, `# in-process: ${epochs} simulated epochs pushed line by line through NmeaPipeline → ChronySockFeed → a Unix datagram receiver standing in for chronyd`];
  return [
    {
      id: 'sock-latency',
      what: `NMEA line arrival → chrony SOCK sample sent, median over ${epochs} epochs per round`,
      unit: 'µs',
      better: 'lower',
      ours: { label: 'NmeaPipeline + ChronySockFeed', samples: runs.map((r) => r.medianUs) },
      commands,
      notes: `p99 per round: ${runs.map((r) => `${fmtNum(r.p99Us)} µs`).join(', ')}; samples received ${runs.map((r) => `${r.samplesReceived}/${r.epochs}`).join(', ')}. No peer: gpsd → chronyd SOCK would need a serial device and gpsd's own timing path.`,
    },
    {
      id: 'sock-cpu',
      what: 'CPU per epoch on the SOCK path (decode the epoch’s lines + send the sample)',
      unit: 'µs',
      better: 'lower',
      ours: { label: 'NmeaPipeline + ChronySockFeed', samples: runs.map((r) => r.cpuUsPerEpoch) },
      commands,
    },
  ];
}

async function readyFigures(rounds: number): Promise<BenchFigure[]> {
  const r = await benchReady(rounds);
  const commands = ['NOTIFY_SOCKET=<datagram socket> STRATUM1D_PATHS__RUNTIME_DIR=<tmp>/run STRATUM1D_PATHS__STATE_DIR=<tmp>/state STRATUM1D_GPSD__PORT=0 node bin/stratum1d.js run --simulate'];
  return [
    { id: 'ready', what: 'Start to READY=1, simulator mode (spawn → sd_notify READY=1)', unit: 'ms', better: 'lower', ours: { label: 'stratum1d run --simulate', samples: r.readyMs }, commands },
    { id: 'stop', what: 'SIGTERM to exit, simulator mode', unit: 'ms', better: 'lower', ours: { label: 'stratum1d run --simulate', samples: r.stopMs }, commands },
  ];
}

type Measurement = [name: string, run: () => Promise<BenchFigure[]>];

/** A part is a list of measurements; one that fails is reported as not measured and the rest still run. */
function measurements(part: Part, rounds: number, harness: string): Measurement[] {
  const soak = process.env.BENCH_SOAK_SECONDS;
  switch (part) {
    case 'decode':
      return [
        ['decode throughput', () => benchDecodeFigures({ rounds, log })],
        ['SOCK latency', () => sockFigures(rounds, harness)],
      ];
    case 'mcp':
      return [
        ['MCP latency', () => benchMcpFigures({ rounds, log })],
        ['pipelined HTTP flood', () => benchPipelinedFigures({ rounds, log })],
      ];
    case 'footprint':
      return [
        ['footprint', () => benchFootprintFigures({ rounds, log, ...(soak === undefined ? {} : { soakSeconds: Number(soak) }) })],
        ['start to READY', () => readyFigures(rounds)],
      ];
    case 'fleet':
      return [
        [
          'fleet ingest',
          async () =>
            fleetFigures(
              await benchFleetIngest({
                devices: Number(process.env.BENCH_FLEET_DEVICES ?? 5000),
                intervalS: 10,
                warmupS: 20,
                windowS: Number(process.env.BENCH_FLEET_SECONDS ?? 60),
                ceilingS: 10,
                runs: Number(process.env.BENCH_FLEET_RUNS ?? rounds),
                log,
              }),
              { harness },
            ),
        ],
      ];
  }
}

async function main(): Promise<void> {
  let cli: Cli;
  try {
    cli = parseCli(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\nusage: node dist/bench/run.js [all|${PARTS.join('|')}] [--rounds N]   (BENCH_ROUNDS, default 5)\n`);
    process.exitCode = 2;
    return;
  }
  const machine = machineInfo();
  const git = gitState(ROOT);
  const command = commandLine(process.argv.slice(2), process.env);
  const startedAt = new Date().toISOString();
  const loadStart = sampleLoad();
  log(`bench ${cli.part}, ${cli.rounds} rounds, at ${git.commit}${git.dirty ? ' (dirty tree)' : ''} on ${machineLine(machine)}; load ${loadStart.load.join(' ')}`);

  const sections: SectionResult[] = [];
  for (const part of cli.part === 'all' ? PARTS : [cli.part]) {
    log(`-- ${part}`);
    const start = sampleLoad();
    const figures: BenchFigure[] = [];
    const errors: string[] = [];
    for (const [name, measure] of measurements(part, cli.rounds, command)) {
      try {
        figures.push(...(await measure()));
      } catch (err) {
        log(`${name} failed: ${(err as Error)?.stack ?? err}`);
        errors.push(`${name}: ${String((err as Error)?.message ?? err).split('\n')[0]}`);
      }
    }
    sections.push({ part, figures, loadStart: start, loadEnd: sampleLoad(), ...(errors.length ? { errors } : {}) });
  }

  const run: RunInfo = { startedAt, commit: git.commit, dirty: git.dirty, machine, loadStart, loadEnd: sampleLoad(), rounds: cli.rounds, part: cli.part, command };
  const report = renderReport(run, sections);
  mkdirSync(join(ROOT, 'bench'), { recursive: true });
  const file = cli.part === 'all' ? 'results.md' : `results-${cli.part}.md`;
  writeFileSync(join(ROOT, 'bench', file), report);
  log(`wrote bench/${file}`);
  if (cli.part === 'all') {
    const readmePath = join(ROOT, 'README.md');
    writeFileSync(readmePath, replaceBetweenMarkers(readFileSync(readmePath, 'utf8'), renderReadme(run, sections)));
    log('updated the README bench section');
  }
  process.stdout.write(report);
  if (sections.some((s) => s.errors)) process.exitCode = 1;
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err?.stack ?? err}\n`);
  process.exitCode = 1;
});
