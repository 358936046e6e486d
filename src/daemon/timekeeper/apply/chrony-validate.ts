import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { globMatches, substituteInclude } from './chrony-main-config.js';
import { type CommandRunner, describeResult } from './run-command.js';
import { type Validation, verdict } from './validation.js';

export interface ChronyValidateOptions {
  chronyd: string;
  mainConfig: string;
  includeFile: string;
  candidate: string;
  daemonManagesRtc: boolean;
  run: CommandRunner;
}

/**
 * `chronyd -p -f MAIN` parses the whole configuration (includes and confdirs expanded), prints
 * it and exits: non-zero with "Fatal error : ..." on an unknown directive, bad arguments or an
 * unreadable include (checked with chrony 4.3). It does not open devices or sockets, so a
 * refclock on a missing device passes here; the renderer never writes one, and a start
 * failure is what apply's rollback is for. The candidate is checked inside a copy of the
 * operator's main config, and its directives must appear in the parsed output: an include the
 * main config never loads would install nothing.
 */
export async function validateChronyCandidate(o: ChronyValidateOptions): Promise<Validation> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'stratum1d-validate-'));
  try {
    // A directory of its own: a confdir pointed at it must load the candidate and nothing else.
    await mkdir(join(dir, 'candidate'));
    const candidatePath = join(dir, 'candidate', basename(o.includeFile));
    await writeFile(candidatePath, o.candidate, { mode: 0o644 });
    let mainText: string | null = null;
    try {
      mainText = await readFile(o.mainConfig, 'utf8');
    } catch (err) {
      warnings.push(`cannot read ${o.mainConfig} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): the include was validated on its own`);
    }
    let testMain: string;
    if (mainText === null) {
      testMain = `include ${candidatePath}\n`;
    } else {
      const globs = await expandIncludeGlobs(mainText);
      const sub = substituteInclude(mainText, o.includeFile, candidatePath, (p) => globs.get(p) ?? []);
      if (sub.references === 0) {
        problems.push(
          `${o.mainConfig} does not load ${o.includeFile}: add \`confdir ${dirname(o.includeFile)}\` or \`include ${o.includeFile}\` to it, or set timekeeper.chrony.includeFile`,
        );
      }
      testMain = sub.text;
    }
    const testMainPath = join(dir, 'chrony.conf');
    await writeFile(testMainPath, testMain, { mode: 0o644 });
    const argv = [o.chronyd, '-p', '-f', testMainPath];
    const r = await o.run(argv, { timeoutMs: 15_000 });
    if (r.error !== null && r.code === null) {
      return verdict(problems, [...warnings, `could not run ${describeResult(argv, r)}`], true);
    }
    const realName = (s: string) => s.split(candidatePath).join(o.includeFile).split(testMainPath).join(o.mainConfig);
    if (r.code !== 0) {
      const fatal = r.stderr
        .split('\n')
        .map((l) => l.replace(/^\S+Z\s+/, '').trim())
        .filter((l) => l.length > 0);
      problems.push(`chronyd -p rejected the configuration: ${realName(fatal.join(' | ') || `exit status ${r.code}`)}`);
      return verdict(problems, warnings);
    }
    const parsed = new Set(r.stdout.split('\n').map(normalise));
    const missing = directiveLines(o.candidate).filter((l) => !parsed.has(normalise(l)));
    if (missing.length > 0 && problems.length === 0) {
      problems.push(`chronyd did not load the candidate's directives (first missing: \`${missing[0]}\`)`);
    }
    problems.push(...duplicateRefids(r.stdout));
    if (o.daemonManagesRtc && [...parsed].some((l) => l === 'rtcsync')) {
      warnings.push(`${o.mainConfig} enables rtcsync while stratum1d manages the RTC: remove it there (an include cannot switch it off)`);
    }
    return verdict(problems, warnings);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function directiveLines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '' && !/^\s*[!;#%]/.test(l));
}

function normalise(line: string): string {
  return line.trim().split(/\s+/).join(' ');
}

/** chrony.conf(5): "Each refclock must have a unique reference ID"; `chronyd -p` does not check it. */
function duplicateRefids(parsed: string): string[] {
  const seen = new Map<string, number>();
  for (const line of parsed.split('\n')) {
    const w = line.trim().split(/\s+/);
    if (w[0]?.toLowerCase() !== 'refclock') continue;
    const i = w.findIndex((x) => x.toLowerCase() === 'refid');
    const id = i > 0 ? w[i + 1] : undefined;
    if (id !== undefined) seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([id]) => `refid ${id} is used by more than one refclock in the combined configuration (another file already defines it)`);
}

/** Matches of each glob `include` in the main config (wildcards in the last path component, chrony's usual `dir/*.conf`). */
async function expandIncludeGlobs(mainText: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const line of mainText.split('\n')) {
    const w = line.trim().split(/\s+/);
    const pattern = w[1];
    if (w[0]?.toLowerCase() !== 'include' || pattern === undefined || !/[*?[]/.test(pattern)) continue;
    const dir = dirname(pattern);
    const names = await readdir(dir).catch(() => [] as string[]);
    out.set(pattern, names.map((n) => join(dir, n)).filter((p) => globMatches(pattern, p)).sort());
  }
  return out;
}
