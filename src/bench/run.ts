import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { benchDecode } from './decode-throughput.js';
import { benchFootprint, benchReady } from './daemon-bench.js';
import { benchGpsdecode } from './gpsdecode-bench.js';
import { machineLine } from './machine.js';
import { benchSockLatency } from './sock-latency.js';
import { benchMcp } from './mcp-bench.js';
import { benchFleetIngest, fleetRows, gitCommit } from './fleet-ingest.js';

/**
 * `npm run bench`: figures, not pass/fail. Writes bench/results.md and the README's table.
 * BENCH_SECONDS shortens the footprint window for a quick look (default 60 s, as issued).
 */
const ROOT = new URL('../../', import.meta.url).pathname;
const CORPUS = join(ROOT, '..', 'shared', 'fixtures', 'gpsd');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const f1 = (x: number) => x.toFixed(1);

/** Fleet ingest (issue 10); BENCH_FLEET_DEVICES / BENCH_FLEET_SECONDS shrink it for a quick look. */
const fleet = (log: (s: string) => void) =>
  benchFleetIngest({ devices: Number(process.env.BENCH_FLEET_DEVICES ?? 5000), intervalS: 10, warmupS: 20, windowS: Number(process.env.BENCH_FLEET_SECONDS ?? 60), ceilingS: 10, log });

async function main(): Promise<void> {
  const rows: string[] = [];
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const machine = machineLine();
  log(`machine: ${machine}`);
  if (process.argv[2] === 'fleet') {
    // `node dist/bench/run.js fleet`: this benchmark alone, into bench/fleet-results.md.
    const table = [`Measured ${new Date().toISOString().slice(0, 10)} at ${gitCommit(ROOT)} on: ${machine}`, '', '| what | stratum1d | reference |', '|---|---|---|', ...fleetRows(await fleet(log))].join('\n');
    mkdirSync(join(ROOT, 'bench'), { recursive: true });
    writeFileSync(join(ROOT, 'bench', 'fleet-results.md'), `# Fleet ingest benchmark\n\n${table}\n`);
    process.stdout.write(`${table}\n`);
    return;
  }

  if (existsSync(CORPUS)) {
    const files = readdirSync(CORPUS)
      .filter((f) => f.endsWith('.log'))
      .map((f) => join(CORPUS, f));
    log(`decode: ${files.length} logs`);
    const best = async () => {
      let r = await benchDecode(files);
      for (let i = 0; i < 2; i++) {
        const again = await benchDecode(files);
        if (again.seconds < r.seconds) r = again;
      }
      return r;
    };
    const ours = await best();
    const gpsd = [0, 1, 2].map(() => benchGpsdecode(files)).reduce<{ seconds: number } | null>((a, b) => (a && b ? (a.seconds < b.seconds ? a : b) : a ?? b), null);
    rows.push(`| decode throughput, ${files.length} gpsd corpus logs, JSON to /dev/null (best of 3) | stratum1d: ${Math.round(ours.perSecond).toLocaleString('en')} sentences/s (${ours.sentences} sentences in ${ours.seconds.toFixed(3)} s) | ${gpsd ? `gpsdecode -j: ${Math.round(ours.sentences / gpsd.seconds).toLocaleString('en')} sentences/s (${gpsd.seconds.toFixed(3)} s, one process per log)` : 'gpsdecode not installed'} |`);
  } else {
    rows.push(`| decode throughput | skipped: no corpus at ${CORPUS} | |`);
  }

  log('SOCK latency: 2000 epochs');
  const sock = await benchSockLatency(2000);
  rows.push(`| NMEA line arrival → chrony SOCK sample sent (${sock.epochs} epochs, in-process, to a datagram receiver standing in for chronyd) | median ${sock.medianUs.toFixed(0)} µs, p99 ${sock.p99Us.toFixed(0)} µs; CPU ${(sock.cpuUsPerEpoch / 1000).toFixed(2)} ms per epoch (decode + send) | |`);

  log('MCP get_time: stdio, WebSocket, time-mcp; 1 and 50 clients');
  const mcp = await benchMcp([1, 50], log);
  for (const n of [1, 50]) {
    const ref = mcp.find((r) => r.peer === 'time-mcp' && r.clients === n);
    const fmt = (r: { p50Ms: number; p99Ms: number; callsPerS: number }) => `p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, ${Math.round(r.callsPerS)} calls/s`;
    for (const r of mcp.filter((x) => x.peer === 'stratum1d' && x.clients === n)) {
      rows.push(`| MCP \`get_time\` round trip, ${r.transport}, ${n} client${n > 1 ? 's' : ''} (${r.calls} calls) | ${fmt(r)} | ${ref ? `time-mcp 1.0.6 \`current_time\`, stdio: ${fmt(ref)}` : 'time-mcp not run'} |`);
    }
  }

  const seconds = Number(process.env.BENCH_SECONDS ?? 60);
  log(`footprint: ${seconds} s at 10 Hz`);
  const fp = await benchFootprint(seconds);
  rows.push(`| daemon footprint over ${seconds} s, simulator at 10 Hz | CPU ${f1(fp.daemon.cpuPct)} %, RSS ${f1(fp.daemon.rssEndMiB)} MiB (max ${f1(fp.daemon.rssMaxMiB)}, ${f1(fp.daemon.rssStartMiB)} at start of window) | bare idle node: CPU ${f1(fp.bareNode.cpuPct)} %, RSS ${f1(fp.bareNode.rssEndMiB)} MiB |`);

  log('start to READY=1: 5 runs');
  const ready = await benchReady(5);
  rows.push(`| start to READY=1, simulator mode (5 runs) | median ${Math.round(median(ready.readyMs))} ms (min ${Math.round(Math.min(...ready.readyMs))}, max ${Math.round(Math.max(...ready.readyMs))}) | SIGTERM to exit: median ${Math.round(median(ready.stopMs))} ms |`);

  rows.push(...fleetRows(await fleet(log)));

  const table = [`Measured ${new Date().toISOString().slice(0, 10)} on: ${machine}`, '', '| what | stratum1d | reference |', '|---|---|---|', ...rows].join('\n');
  mkdirSync(join(ROOT, 'bench'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results.md'), `# Benchmark results\n\n${table}\n`);
  const readmePath = join(ROOT, 'README.md');
  const readme = readFileSync(readmePath, 'utf8');
  writeFileSync(readmePath, readme.replace(/<!-- bench:start -->[\s\S]*?<!-- bench:end -->/, `<!-- bench:start -->\n${table}\n<!-- bench:end -->`));
  process.stdout.write(`${table}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err?.stack ?? err}\n`);
  process.exitCode = 1;
});
