import { readFile } from 'node:fs/promises';
import type { RenderNote } from '../render/render-types.js';
import { removeFileDurably, writeFileAtomic } from '../../../lib/atomic-write.js';
import { type CommandResult, describeResult } from './run-command.js';
import { unifiedDiff } from './unified-diff.js';
import type { Validation } from './validation.js';
import type { UpResult } from './wait-up.js';

/** One timekeeper as `config apply` sees it: where its file goes, how to check, restart and probe it. */
export interface ApplyTarget {
  name: 'chrony' | 'ntpsec';
  installPath: string;
  restartArgv: readonly string[];
  validate(candidate: string): Promise<Validation>;
  restart(): Promise<CommandResult>;
  waitUp(): Promise<UpResult>;
}

export type ApplyStatus = 'applied' | 'unchanged' | 'dry-run' | 'invalid' | 'unavailable' | 'rolled-back' | 'rollback-failed';

export interface ApplyOutcome {
  status: ApplyStatus;
  /** sysexits-style: 0 applied/unchanged/dry-run, 1 rolled back, 65 candidate invalid, 69 validator missing. */
  exitCode: number;
  /** Human-readable lines, in order. */
  messages: string[];
  installed: string | null;
  rendered: string;
  diff: string;
  validation: Validation | null;
  backupPath: string | null;
}

export const EX_DATAERR = 65;
export const EX_UNAVAILABLE = 69;

/**
 * Validate, back up, write atomically, restart, check it answers; on any failure after the
 * write, put the previous file back (or remove ours when there was none) and restart again,
 * so a bad candidate never stays installed and chronyd is left running what ran before.
 */
export async function applyRendered(
  target: ApplyTarget,
  rendered: { text: string; notes: RenderNote[] },
  options: { dryRun: boolean },
): Promise<ApplyOutcome> {
  const messages = rendered.notes.map((n) => `${n.level}: ${n.message}`);
  const installed = await readInstalled(target.installPath);
  const diff = unifiedDiff(installed, rendered.text, `${target.installPath} (installed)`, `${target.installPath} (rendered)`);
  const base = { installed, rendered: rendered.text, diff, backupPath: null as string | null };
  const done = (status: ApplyStatus, exitCode: number, validation: Validation | null): ApplyOutcome => ({
    status,
    exitCode,
    messages,
    validation,
    ...base,
  });

  const validation = await target.validate(rendered.text);
  messages.push(...validation.warnings.map((w) => `warn: ${w}`));
  if (validation.unavailable) {
    messages.push(`error: cannot validate the ${target.name} configuration; nothing written`);
    return done('unavailable', EX_UNAVAILABLE, validation);
  }
  if (!validation.ok) {
    messages.push(...validation.problems.map((p) => `error: ${p}`), `error: ${target.installPath} left unchanged`);
    return done('invalid', EX_DATAERR, validation);
  }
  if (options.dryRun) {
    messages.push(diff === '' ? `${target.installPath} is up to date` : `dry run: ${target.installPath} would change (validated)`);
    return done('dry-run', 0, validation);
  }
  if (diff === '' && installed !== null) {
    messages.push(`${target.installPath} is up to date; ${target.name} not restarted`);
    return done('unchanged', 0, validation);
  }

  if (installed !== null) {
    base.backupPath = `${target.installPath}.bak`;
    await writeFileAtomic(base.backupPath, installed, { mode: 0o644 });
    messages.push(`backed up the previous file to ${base.backupPath}`);
  }
  await writeFileAtomic(target.installPath, rendered.text, { mode: 0o644 });
  messages.push(`wrote ${target.installPath}`);

  const failure = await restartAndProbe(target, messages);
  if (failure === null) return done('applied', 0, validation);

  messages.push(`error: ${failure}; rolling back`);
  if (installed !== null) await writeFileAtomic(target.installPath, installed, { mode: 0o644 });
  else await removeFileDurably(target.installPath);
  messages.push(installed !== null ? `restored the previous ${target.installPath}` : `removed ${target.installPath} (there was none before)`);
  const again = await restartAndProbe(target, messages);
  if (again === null) {
    messages.push(`rolled back: ${target.name} runs the previous configuration (reason: ${failure})`);
    return done('rolled-back', 1, validation);
  }
  messages.push(`error: ${target.name} does not come up with the previous configuration either: ${again}. Check \`journalctl -u ${target.name}\`.`);
  return done('rollback-failed', 1, validation);
}

/** null when the timekeeper restarted and answers; otherwise why not. */
async function restartAndProbe(target: ApplyTarget, messages: string[]): Promise<string | null> {
  const r = await target.restart();
  if (r.code !== 0) return `restart failed: ${describeResult(target.restartArgv, r)}`;
  const up = await target.waitUp();
  if (!up.up) return `${target.name} did not answer within ${Math.round(up.waitedMs / 1000)} s: ${up.detail}`;
  messages.push(`${target.name} restarted and answers (after ${up.waitedMs} ms)`);
  return null;
}

async function readInstalled(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
