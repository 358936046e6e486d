import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Whole-process measurements for the decode figures: one program, one input file on its
 * standard input, its output to /dev/null, and what the kernel accounted for it.
 *
 * CPU and peak RSS come from wait4(2)'s rusage as GNU time reports it
 * (`/usr/bin/time -f '%U %S %M'`): user and system CPU of the process and everything it
 * waited for, in 10 ms steps, and the peak resident set in KiB. Node cannot give a child's
 * rusage itself, and sampling /proc while it runs would miss the peak.
 */

export const GNU_TIME = '/usr/bin/time';

export interface ProcessCost {
  userS: number;
  sysS: number;
  /** user + system. */
  cpuS: number;
  /** Peak resident set size, MiB. */
  maxRssMiB: number;
}

/** The command line as a reader would type it, for the report. */
export function shellLine(cmd: string, args: readonly string[], stdinPath: string | null): string {
  const q = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  return `${GNU_TIME} -f '%U %S %M' ${[cmd, ...args].map(q).join(' ')}${stdinPath ? ` < ${q(stdinPath)}` : ''} > /dev/null`;
}

/**
 * Runs `cmd args < stdinPath > /dev/null` under GNU time and returns its cost. Throws when
 * the program fails: a figure from a run that did not do the work would be a lie.
 */
export function measureProcess(cmd: string, args: readonly string[], stdinPath: string | null): ProcessCost {
  const dir = mkdtempSync(join(tmpdir(), 'stratum1d-cost-'));
  const report = join(dir, 'time.txt');
  const input = openSync(stdinPath ?? '/dev/null', 'r');
  const devnull = openSync('/dev/null', 'w');
  try {
    const r = spawnSync(GNU_TIME, ['-o', report, '-f', '%U %S %M', cmd, ...args], {
      stdio: [input, devnull, 'pipe'],
      maxBuffer: 16 * 1024 * 1024,
    });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${String(r.stderr).slice(-500)}`);
    const m = /^([\d.]+) ([\d.]+) (\d+)\s*$/m.exec(readFileSync(report, 'utf8'));
    if (!m) throw new Error(`cannot read GNU time's report: ${readFileSync(report, 'utf8')}`);
    const userS = Number(m[1]);
    const sysS = Number(m[2]);
    return { userS, sysS, cpuS: Math.round((userS + sysS) * 100) / 100, maxRssMiB: Math.round((Number(m[3]) / 1024) * 10) / 10 };
  } finally {
    closeSync(input);
    closeSync(devnull);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `gpsdecode -V` (e.g. "gpsdecode revision 3.22"), or null when gpsd's tools are not installed. */
export function gpsdecodeVersion(): string | null {
  const r = spawnSync('gpsdecode', ['-V'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return null;
  return `${r.stdout}${r.stderr}`.trim().split('\n')[0] ?? null;
}

/** gpsd's decoder as the peer: raw receiver data on stdin, JSON reports on stdout. */
export const GPSDECODE: { cmd: string; args: readonly string[] } = { cmd: 'gpsdecode', args: ['-j'] };

export interface CorpusInput {
  dir: string;
  /** Concatenation of every `*.log` of the corpus, `times` times over, by `times`. */
  files: Map<number, string>;
  logs: number;
  lines: Map<number, number>;
  bytes: Map<number, number>;
  cleanup(): void;
}

/**
 * The corpus logs (sorted by name) concatenated `times` times into one temp file per count,
 * written log by log so the bench itself never holds more than one log.
 */
export function buildCorpusInputs(corpusDir: string, counts: readonly number[]): CorpusInput | null {
  if (!existsSync(corpusDir)) return null;
  const logs = readdirSync(corpusDir).filter((f) => f.endsWith('.log')).sort();
  if (logs.length === 0) return null;
  const dir = mkdtempSync(join(tmpdir(), 'stratum1d-decode-bench-'));
  const files = new Map<number, string>();
  const lines = new Map<number, number>();
  const bytes = new Map<number, number>();
  for (const times of counts) {
    const path = join(dir, `gpsd-corpus-x${times}.log`);
    const fd = openSync(path, 'w');
    let n = 0;
    let b = 0;
    try {
      for (let i = 0; i < times; i++) {
        for (const log of logs) {
          const data = readFileSync(join(corpusDir, log));
          writeSync(fd, data);
          b += data.length;
          for (const c of data) if (c === 10) n++;
        }
      }
    } finally {
      closeSync(fd);
    }
    files.set(times, path);
    lines.set(times, n);
    bytes.set(times, b);
  }
  return { dir: corpusDir, files, logs: logs.length, lines, bytes, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
