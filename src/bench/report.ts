import { median, type BenchFigure, type BenchSide } from './figure.js';
import { machineLine, type LoadSample, type MachineInfo } from './machine.js';

/**
 * BenchFigure[] → markdown for bench/results*.md and the README. Pure: everything measured
 * (figures, load, commit, machine) comes in as data, so the rendering is unit-tested without
 * timing anything. The report shows medians, the spread and the round count next to every
 * ratio, so a figure can never be quoted without the evidence it rests on.
 */

export interface RunInfo {
  /** When the run started (ISO 8601). */
  startedAt: string;
  /** Short commit hash of HEAD. */
  commit: string;
  /** Whether the working tree had changes (then the commit alone does not name the code measured); null: unknown. */
  dirty: boolean | null;
  machine: MachineInfo;
  loadStart: LoadSample;
  loadEnd: LoadSample;
  /** Rounds asked for (each figure reports the rounds it actually has). */
  rounds: number;
  /** all | decode | mcp | footprint | fleet */
  part: string;
  /** The command line that produced the report, with the BENCH_* variables that were set. */
  command: string;
}

export interface SectionResult {
  part: string;
  figures: BenchFigure[];
  loadStart: LoadSample;
  loadEnd: LoadSample;
  /** Measurements of the part that failed: the report says so rather than dropping them. */
  errors?: string[];
}

export interface SideSummary {
  label: string;
  version?: string;
  median: number;
  min: number;
  max: number;
  /** Rounds with a finite value. */
  rounds: number;
  /** Rounds that produced no value (NaN or ±Infinity). */
  failed: number;
}

export interface FigureSummary {
  ours: SideSummary;
  peer?: SideSummary;
  /** Median of ours ÷ median of the peer; null without a peer, for `compare: 'difference'`, or when a median is not > 0 (a ratio would mislead). */
  ratio: number | null;
  /** Median of ours − median of the peer; null without a peer. */
  difference: number | null;
}

export function summariseSide(s: BenchSide): SideSummary {
  const ok = s.samples.filter((x) => Number.isFinite(x));
  return {
    label: s.label,
    ...(s.version === undefined ? {} : { version: s.version }),
    median: median(ok),
    min: ok.length ? Math.min(...ok) : NaN,
    max: ok.length ? Math.max(...ok) : NaN,
    rounds: ok.length,
    failed: s.samples.length - ok.length,
  };
}

export function summarise(f: BenchFigure): FigureSummary {
  const ours = summariseSide(f.ours);
  if (!f.peer) return { ours, ratio: null, difference: null };
  const peer = summariseSide(f.peer);
  const both = Number.isFinite(ours.median) && Number.isFinite(peer.median);
  const ratio = both && f.compare !== 'difference' && ours.median > 0 && peer.median > 0 ? ours.median / peer.median : null;
  return { ours, peer, ratio, difference: both ? ours.median - peer.median : null };
}

/** Three significant figures or so, thousands separated; `n/a` for a value that was not measured. */
export function fmtNum(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString('en');
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  if (a === 0) return '0';
  return x.toPrecision(2);
}

const withUnit = (x: number, unit: string) => (Number.isFinite(x) ? `${fmtNum(x)} ${unit}` : 'n/a');

/** "1.21× (worse)": the ratio ours ÷ peer (or "+3.2 % (worse)", the difference), and which way it points. */
export function compareText(f: BenchFigure, s: FigureSummary): string {
  if (s.ratio !== null || s.difference === null) return ratioText(f, s.ratio);
  const d = s.difference;
  const shown = `${d > 0 ? '+' : ''}${fmtNum(d)} ${f.unit}`;
  if (fmtNum(d) === fmtNum(0) || fmtNum(d) === '-0') return `${shown} (even)`;
  return `${shown} (${(f.better === 'lower' ? d < 0 : d > 0) ? 'better' : 'worse'})`;
}

export function ratioText(f: BenchFigure, ratio: number | null): string {
  if (ratio === null) return '—';
  const r = `${ratio.toFixed(2)}×`;
  if (ratio.toFixed(2) === '1.00') return `${r} (even)`;
  const better = f.better === 'lower' ? ratio < 1 : ratio > 1;
  return `${r} (${better ? 'better' : 'worse'})`;
}

/** "met", "missed: why", or "no goal". A missed goal with no reason says so. */
export function goalVerdict(f: BenchFigure): string {
  const g = f.goal;
  if (!g) return 'no goal';
  if (g.met) return `met (${g.measured})`;
  return `**missed** (${g.measured}): ${g.why?.trim() || 'no reason recorded'}`;
}

export function sideLabel(s: { label: string; version?: string }): string {
  return s.version ? `${s.label}, ${s.version}` : s.label;
}

/**
 * Every distinct peer (name and version) in the figures, in order of first appearance. A version
 * that already names the program ("time-mcp 1.0.6") stands alone, so one program measured in
 * several figures under different labels is listed once.
 */
export function peerList(figures: readonly BenchFigure[]): string[] {
  const seen = new Set<string>();
  for (const f of figures) {
    if (!f.peer) continue;
    const { label, version } = f.peer;
    const name = label.split(/\s/)[0]!;
    seen.add(!version ? `${label} (version not recorded)` : version.includes(name) ? version : `${label} ${version}`);
  }
  return [...seen];
}

const loadTriple = (l: LoadSample) => l.load.map((x) => x.toFixed(2)).join(' ');

/** Load averages at both ends and the CPU pressure between them: a busy machine must show. */
export function loadText(start: LoadSample, end: LoadSample): string {
  const wallS = (end.atMs - start.atMs) / 1000;
  const psi =
    start.cpuPressureTotalUs === null || end.cpuPressureTotalUs === null || wallS <= 0
      ? 'CPU pressure n/a'
      : `CPU pressure (PSI some) ${Math.round(((end.cpuPressureTotalUs - start.cpuPressureTotalUs) / 1e6 / wallS) * 100)} % of ${fmtNum(wallS)} s`;
  return `load average (1/5/15 min) ${loadTriple(start)} at start → ${loadTriple(end)} at end; ${psi}`;
}

const rounds = (n: number) => `${n} round${n === 1 ? '' : 's'}`;

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function spreadText(s: SideSummary, unit: string): string {
  const failed = s.failed ? `, ${s.failed} failed` : '';
  return s.rounds === 0 ? `no value${failed}` : `${fmtNum(s.min)}–${fmtNum(s.max)} ${unit}${failed}`;
}

function peerCell(f: BenchFigure, s: FigureSummary): string {
  if (s.peer) return `${withUnit(s.peer.median, f.unit)} (${sideLabel(s.peer)})`;
  return f.peerMissing ? `none: ${f.peerMissing}` : 'none';
}

function roundsCell(s: FigureSummary): string {
  return s.peer && s.peer.rounds !== s.ours.rounds ? `${s.ours.rounds} / ${s.peer.rounds}` : String(s.ours.rounds);
}

function summaryRow(f: BenchFigure): string {
  const s = summarise(f);
  const spread = s.peer ? `ours ${spreadText(s.ours, f.unit)}; peer ${spreadText(s.peer, f.unit)}` : spreadText(s.ours, f.unit);
  return `| ${cell(f.what)} | ${cell(withUnit(s.ours.median, f.unit))} | ${cell(peerCell(f, s))} | ${compareText(f, s)} | ${cell(spread)} | ${roundsCell(s)} | ${cell(goalVerdict(f))} |`;
}

const SUMMARY_HEAD = ['| figure | stratum1d (median) | peer (median) | ours ÷ peer (or ours − peer) | spread (min–max) | rounds | goal |', '|---|---|---|---|---|---|---|'];

function sideDetail(name: string, s: SideSummary, samples: readonly number[], unit: string): string {
  return `- ${name}: ${sideLabel(s)}: median ${withUnit(s.median, unit)}, spread ${spreadText(s, unit)}; rounds: ${samples.map(fmtNum).join(', ') || 'none'}`;
}

function figureDetail(f: BenchFigure): string[] {
  const s = summarise(f);
  const out = [`### ${f.what}`, '', `\`${f.id}\` · ${f.unit}, ${f.better} is better`, ''];
  out.push(sideDetail('stratum1d', s.ours, f.ours.samples, f.unit));
  if (s.peer && f.peer) {
    out.push(sideDetail('peer', s.peer, f.peer.samples, f.unit));
    out.push(`- ${s.ratio === null ? 'ours − peer' : 'ours ÷ peer'} (medians): ${compareText(f, s)}`);
  } else {
    out.push(`- peer: ${f.peerMissing ? `none this run: ${f.peerMissing}` : 'none (a figure of ours alone)'}`);
  }
  if (f.goal) out.push(`- goal: ${f.goal.text}: ${goalVerdict(f)}`);
  if (f.notes) out.push(`- notes: ${f.notes}`);
  out.push('', 'Commands:', '', '```sh', ...(f.commands.length ? f.commands : ['# none recorded']), '```', '');
  return out;
}

function allFigures(sections: readonly SectionResult[]): BenchFigure[] {
  return sections.flatMap((s) => s.figures);
}

function headerLines(run: RunInfo, sections: readonly SectionResult[]): string[] {
  const peers = peerList(allFigures(sections));
  const tree = run.dirty === null ? 'working tree state unknown' : run.dirty ? 'working tree dirty: uncommitted changes were measured' : 'clean working tree';
  return [
    `- Date: ${run.startedAt} (run took ${fmtNum((run.loadEnd.atMs - run.loadStart.atMs) / 1000)} s)`,
    `- Commit: ${run.commit} (${tree})`,
    `- Machine: ${machineLine(run.machine)}`,
    `- Load over the whole run: ${loadText(run.loadStart, run.loadEnd)}`,
    `- Peers: ${peers.length ? peers.join('; ') : 'none measured'}`,
    `- Method: all peers measured in this same run, alternating A/B, median of ${rounds(run.rounds)} (each figure shows the rounds it has and the min–max spread); goals are judged on the medians.`,
    `- Command: \`${run.command}\` (\`npm run bench\` = \`npm run build && node dist/bench/run.js all\`); each figure lists the commands it times.`,
  ];
}

/** The whole report for bench/results.md (or bench/results-<part>.md). */
export function renderReport(run: RunInfo, sections: readonly SectionResult[]): string {
  const out = [`# Benchmark results${run.part === 'all' ? '' : `: ${run.part} only`}`, '', ...headerLines(run, sections), '', '## Summary', '', ...SUMMARY_HEAD];
  for (const sec of sections) for (const f of sec.figures) out.push(summaryRow(f));
  for (const sec of sections) for (const e of sec.errors ?? []) out.push(`| not measured: ${cell(e)} | | | | | 0 | |`);
  out.push('');
  for (const sec of sections) {
    out.push(`## ${sec.part}`, '', `Load during this part: ${loadText(sec.loadStart, sec.loadEnd)}.`, '');
    for (const e of sec.errors ?? []) out.push(`Not measured: ${e}`, '');
    for (const f of sec.figures) out.push(...figureDetail(f));
  }
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}

/** One line per figure for the README: the ratio (or our value) and the goal verdict. */
export function quoteLine(f: BenchFigure): string {
  const s = summarise(f);
  const value = s.peer
    ? `${compareText(f, s)} ${sideLabel(s.peer)} (${withUnit(s.ours.median, f.unit)} against ${withUnit(s.peer.median, f.unit)})`
    : `${withUnit(s.ours.median, f.unit)}${f.peerMissing ? ` (no peer: ${f.peerMissing})` : ''}`;
  const goal = f.goal ? `; goal ${f.goal.text}: ${goalVerdict(f)}` : '';
  return `- ${f.what}: ${value}${goal}`;
}

/** What goes between the README's bench markers. */
export function renderReadme(run: RunInfo, sections: readonly SectionResult[]): string {
  const out = [
    `Measured ${run.startedAt.slice(0, 10)} at ${run.commit}${run.dirty ? ' + uncommitted changes' : ''} on ${machineLine(run.machine)}; ${loadText(run.loadStart, run.loadEnd)}.`,
    `Peers: ${peerList(allFigures(sections)).join('; ') || 'none'}; all measured in this same run, alternating A/B, median of ${rounds(run.rounds)}.`,
    '',
  ];
  for (const sec of sections) {
    for (const e of sec.errors ?? []) out.push(`- not measured: ${e}`);
    for (const f of sec.figures) out.push(quoteLine(f));
  }
  return out.join('\n');
}

const MARKERS = /<!-- bench:start -->[\s\S]*?<!-- bench:end -->/;

/** Replace the text between the README's bench markers; throws if they are missing (never writes a README without them). */
export function replaceBetweenMarkers(doc: string, body: string): string {
  if (!MARKERS.test(doc)) throw new Error('README has no <!-- bench:start --> … <!-- bench:end --> markers');
  return doc.replace(MARKERS, () => `<!-- bench:start -->\n${body}\n<!-- bench:end -->`);
}
