import { chronycAddressArgs } from '../chronyc-address.js';
import { type CommandRunner, describeResult } from './run-command.js';

export interface UpResult {
  up: boolean;
  /** The last answer or failure, for the report. */
  detail: string;
  waitedMs: number;
}

/**
 * Polls a status command until it succeeds or the deadline passes. A daemon that starts and
 * then dies on a bad refclock answers nothing, so an answer is the proof it came up.
 */
export async function waitUntilAnswers(
  argv: readonly string[],
  timeoutMs: number,
  run: CommandRunner,
  accept: (stdout: string) => boolean = (s) => s.trim().length > 0,
  intervalMs = 250,
): Promise<UpResult> {
  const started = Date.now();
  let detail = 'not tried';
  for (;;) {
    const r = await run(argv, { timeoutMs: Math.max(1000, Math.min(5000, timeoutMs)) });
    if (r.code === 0 && accept(r.stdout)) return { up: true, detail: r.stdout.trim().split('\n')[0] ?? '', waitedMs: Date.now() - started };
    detail = describeResult(argv, r);
    if (Date.now() - started + intervalMs > timeoutMs) return { up: false, detail, waitedMs: Date.now() - started };
    await new Promise((res) => setTimeout(res, intervalMs));
  }
}

/** `chronyc -c -n tracking` answers one CSV line whose first field is the reference ID. */
export function chronyTrackingArgv(chronyc: string, commandSocket: string): string[] {
  return [chronyc, ...chronycAddressArgs(commandSocket), '-n', '-c', 'tracking'];
}

/** `ntpq -c rv` answers ntpd's system variables (`version=...`). */
export function ntpqReadvarArgv(ntpq: readonly string[]): string[] {
  return [...ntpq, '-c', 'rv'];
}

export const ntpqAnswered = (stdout: string): boolean => /version=/.test(stdout);
