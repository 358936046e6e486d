import t from 'tap';
import type { BenchFigure } from '../../../src/bench/figure.js';
import type { LoadSample, MachineInfo } from '../../../src/bench/machine.js';
import {
  compareText,
  fmtNum,
  goalVerdict,
  loadText,
  peerList,
  renderReadme,
  renderReport,
  replaceBetweenMarkers,
  summarise,
  type RunInfo,
  type SectionResult,
} from '../../../src/bench/report.js';

const machine: MachineInfo = { cpu: 'AMD EPYC', cores: 2, memGiB: 24, kernel: 'Linux 6.1', node: 'Node v20.20.2' };
const load = (atMs: number, l1: number, psiUs: number | null): LoadSample => ({ atMs, load: [l1, 1, 0.5], cpuPressureTotalUs: psiUs });

const decode: BenchFigure = {
  id: 'decode-cpu',
  what: 'CPU seconds for 406k NMEA lines',
  unit: 's',
  better: 'lower',
  ours: { label: 'stratum1d decode', samples: [1.3, 1.1, 1.2, 9.9, 1.2] },
  peer: { label: 'gpsdecode -j', version: '3.25', samples: [1.0, 1.0, 0.9, 1.1, 1.0] },
  goal: { text: "≤ 1.0× gpsdecode's CPU", measured: '1.20×', met: false, why: 'JSON rendering dominates' },
  commands: ['stratum1d decode --json < corpus.log > /dev/null', 'gpsdecode -j < corpus.log > /dev/null'],
};
const mcp: BenchFigure = {
  id: 'mcp-ws-50',
  what: 'get_time calls/s, WebSocket, 50 clients',
  unit: 'calls/s',
  better: 'higher',
  ours: { label: 'stratum1d WebSocket', samples: [21000, 25000] },
  goal: { text: '≥ 20,000 calls/s', measured: '23,000 calls/s', met: true },
  commands: ['node dist/bench/run.js mcp'],
};
const stdio: BenchFigure = {
  id: 'mcp-stdio-p50',
  what: 'get_time p50 over stdio',
  unit: 'ms',
  better: 'lower',
  ours: { label: 'stratum1d mcp', samples: [0.8, NaN, 0.6] },
  peer: { label: 'time-mcp', version: '1.0.6', samples: [1.0, 1.0, 1.0] },
  commands: [],
};
const noPeer: BenchFigure = {
  id: 'decode-rss',
  what: 'peak RSS | decoding',
  unit: 'MiB',
  better: 'lower',
  ours: { label: 'stratum1d decode', samples: [40] },
  peerMissing: 'gpsdecode not installed',
  goal: { text: 'bounded by the largest epoch', measured: '40 MiB', met: false },
  commands: ['stratum1d decode < x'],
};

const run: RunInfo = {
  startedAt: '2026-12-01T10:00:00.000Z',
  commit: 'abc1234',
  dirty: true,
  machine,
  loadStart: load(0, 3.5, 0),
  loadEnd: load(100_000, 7.25, 50_000_000),
  rounds: 5,
  part: 'all',
  command: 'BENCH_ROUNDS=5 node dist/bench/run.js all',
};
const sections: SectionResult[] = [
  { part: 'decode', figures: [decode, noPeer], loadStart: load(0, 3.5, 0), loadEnd: load(50_000, 4, 10_000_000) },
  { part: 'mcp', figures: [stdio, mcp], loadStart: load(50_000, 4, 10_000_000), loadEnd: load(100_000, 7.25, 50_000_000), errors: ['MCP latency: benchMcpFigures not found'] },
];

t.test('summaries take medians of the finite rounds, the spread and the ratio of medians', async (t) => {
  const s = summarise(decode);
  t.equal(s.ours.median, 1.2, 'an outlier round does not move the median');
  t.equal(s.ours.min, 1.1);
  t.equal(s.ours.max, 9.9);
  t.equal(s.peer?.median, 1.0);
  t.equal(s.ratio?.toFixed(2), '1.20');
  const st = summarise(stdio);
  t.equal(st.ours.rounds, 2, 'a failed round is not counted as a round');
  t.equal(st.ours.failed, 1);
  t.equal(st.ours.median, 0.7);
  t.equal(summarise(mcp).ratio, null, 'no peer: no ratio');
});

t.test('growth or a value ≤ 0 is compared by difference, never by a misleading ratio', async (t) => {
  const growth: BenchFigure = { id: 'soak', what: 'RSS growth', unit: '%', better: 'lower', ours: { label: 'd', samples: [-18] }, peer: { label: 'n', samples: [0.5] }, commands: [] };
  const s = summarise(growth);
  t.equal(s.ratio, null);
  t.equal(compareText(growth, s), '-18.5 % (better)');
  const explicit: BenchFigure = { ...growth, compare: 'difference', ours: { label: 'd', samples: [3.2] }, peer: { label: 'n', samples: [1.2] } };
  t.equal(compareText(explicit, summarise(explicit)), '+2.00 % (worse)');
  t.equal(compareText(decode, summarise(decode)), '1.20× (worse)', 'ratio by default');
  t.match(renderReport(run, [{ ...sections[0]!, figures: [growth] }]), '- ours − peer (medians): -18.5 % (better)');
});

t.test('goal verdicts: met, missed with why, missed without a reason, none', async (t) => {
  t.equal(goalVerdict(mcp), 'met (23,000 calls/s)');
  t.equal(goalVerdict(decode), '**missed** (1.20×): JSON rendering dominates');
  t.equal(goalVerdict(noPeer), '**missed** (40 MiB): no reason recorded');
  t.equal(goalVerdict(stdio), 'no goal');
});

t.test('numbers, load and peers', async (t) => {
  t.equal(fmtNum(23000.4), '23,000');
  t.equal(fmtNum(123.4), '123');
  t.equal(fmtNum(12.34), '12.3');
  t.equal(fmtNum(1.234), '1.23');
  t.equal(fmtNum(0.0456), '0.046');
  t.equal(fmtNum(NaN), 'n/a');
  t.equal(loadText(run.loadStart, run.loadEnd), 'load average (1/5/15 min) 3.50 1.00 0.50 at start → 7.25 1.00 0.50 at end; CPU pressure (PSI some) 50 % of 100 s');
  t.match(loadText(load(0, 1, null), load(1000, 1, null)), /CPU pressure n\/a$/);
  t.same(peerList([decode, stdio, mcp, decode, { ...mcp, peer: { label: 'bare node', samples: [1] } }]), ['gpsdecode -j 3.25', 'time-mcp 1.0.6', 'bare node (version not recorded)']);
  const named = (label: string) => ({ ...stdio, peer: { label, version: 'time-mcp 1.0.6', samples: [1] } });
  t.same(peerList([named('time-mcp `current_time` (stdio)'), named('time-mcp → `current_time`')]), ['time-mcp 1.0.6'], 'one program under two labels is one peer');
});

t.test('the report header names date, commit, dirty tree, machine, load, peers, method and command', async (t) => {
  const md = renderReport(run, sections);
  t.match(md, /^# Benchmark results\n/);
  t.match(md, '- Date: 2026-12-01T10:00:00.000Z (run took 100 s)');
  t.match(md, '- Commit: abc1234 (working tree dirty: uncommitted changes were measured)');
  t.match(md, '- Machine: AMD EPYC, 2 cores, 24 GiB, Linux 6.1, Node v20.20.2');
  t.match(md, 'at start → 7.25 1.00 0.50 at end');
  t.match(md, '- Peers: gpsdecode -j 3.25; time-mcp 1.0.6');
  t.match(md, 'all peers measured in this same run, alternating A/B, median of 5 rounds');
  t.match(md, '`BENCH_ROUNDS=5 node dist/bench/run.js all`');
  t.match(renderReport({ ...run, dirty: false, part: 'decode' }, sections), /^# Benchmark results: decode only\n[\s\S]*\(clean working tree\)/);
});

t.test('summary rows: medians, ratio with its direction, spread, rounds, verdict', async (t) => {
  const md = renderReport(run, sections);
  t.match(md, '| CPU seconds for 406k NMEA lines | 1.20 s | 1.00 s (gpsdecode -j, 3.25) | 1.20× (worse) | ours 1.10–9.90 s; peer 0.90–1.10 s | 5 | **missed** (1.20×): JSON rendering dominates |');
  t.match(md, '| get_time p50 over stdio | 0.70 ms | 1.00 ms (time-mcp, 1.0.6) | 0.70× (better) | ours 0.60–0.80 ms, 1 failed; peer 1.00–1.00 ms | 2 / 3 | no goal |');
  t.match(md, '| get_time calls/s, WebSocket, 50 clients | 23,000 calls/s | none | — | 21,000–25,000 calls/s | 2 | met (23,000 calls/s) |');
  t.match(md, '| peak RSS \\| decoding | 40.0 MiB | none: gpsdecode not installed | — |', 'a pipe in a cell is escaped');
  t.match(md, '| not measured: MCP latency: benchMcpFigures not found | | | | | 0 | |');
});

t.test('details: every round, the commands verbatim, the load of each part, what was not measured', async (t) => {
  const md = renderReport(run, sections);
  t.match(md, '- stratum1d: stratum1d decode: median 1.20 s, spread 1.10–9.90 s; rounds: 1.30, 1.10, 1.20, 9.90, 1.20');
  t.match(md, '```sh\nstratum1d decode --json < corpus.log > /dev/null\ngpsdecode -j < corpus.log > /dev/null\n```');
  t.match(md, '- peer: none this run: gpsdecode not installed');
  t.match(md, '## mcp\n\nLoad during this part: load average (1/5/15 min) 4.00');
  t.match(md, 'Not measured: MCP latency: benchMcpFigures not found');
  t.match(md, '```sh\n# none recorded\n```', 'a figure without commands says so');
});

t.test('the README section quotes each ratio and verdict', async (t) => {
  const body = renderReadme(run, sections);
  t.match(body, /^Measured 2026-12-01 at abc1234 \+ uncommitted changes on AMD EPYC/);
  t.match(body, 'all measured in this same run, alternating A/B, median of 5 rounds');
  t.match(body, "- CPU seconds for 406k NMEA lines: 1.20× (worse) gpsdecode -j, 3.25 (1.20 s against 1.00 s); goal ≤ 1.0× gpsdecode's CPU: **missed** (1.20×): JSON rendering dominates");
  t.match(body, '- get_time calls/s, WebSocket, 50 clients: 23,000 calls/s; goal ≥ 20,000 calls/s: met');
  t.match(body, '- not measured: MCP latency: benchMcpFigures not found');
  const doc = 'intro\n<!-- bench:start -->\nold table\n<!-- bench:end -->\nafter $& $1\n';
  t.equal(replaceBetweenMarkers(doc, 'new $& body'), 'intro\n<!-- bench:start -->\nnew $& body\n<!-- bench:end -->\nafter $& $1\n', 'replacement text is literal');
  t.throws(() => replaceBetweenMarkers('no markers', 'x'), /markers/);
});
