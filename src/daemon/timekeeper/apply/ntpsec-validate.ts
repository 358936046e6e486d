import { type CommandRunner, describeResult } from './run-command.js';
import { type Validation, verdict } from './validation.js';

/**
 * ntpsec 1.2 has no configuration syntax-check mode: `ntpd --help` lists no such option, and
 * `-n -d` runs the real daemon (binds port 123, adjusts the clock). The honest check left is
 * the one that catches the likely mistake: every `refclock NAME` must be a driver this ntpd
 * was built with, which `ntpd --help` prints ("compiled with the following clock drivers").
 * Debian's build lacks GPSD, so a `refclock gpsd` fragment is refused there. The rest is
 * checked by restarting ntpd and rolling back when it does not answer.
 */
export async function validateNtpsecCandidate(o: { ntpd: string; candidate: string; run: CommandRunner }): Promise<Validation> {
  const argv = [o.ntpd, '--help'];
  const r = await o.run(argv, { timeoutMs: 10_000 });
  if (r.code === null) return verdict([], [`could not run ${describeResult(argv, r)}`], true);
  const drivers = compiledDrivers(`${r.stdout}\n${r.stderr}`);
  if (drivers === null) return verdict([], [`${describeResult(argv, r)} printed no clock driver list: refclock drivers not checked`], true);
  const problems: string[] = [];
  for (const line of o.candidate.split('\n')) {
    const w = line.trim().split(/\s+/);
    if (w[0]?.toLowerCase() !== 'refclock' || w[1] === undefined) continue;
    if (!drivers.has(w[1].toUpperCase())) {
      problems.push(`${o.ntpd} was built without the ${w[1]} refclock driver (it has: ${[...drivers].join(', ')})`);
    }
  }
  return verdict(problems, []);
}

/** The driver names after ntpd's "compiled with the following clock drivers:" line, upper case. */
export function compiledDrivers(helpText: string): Set<string> | null {
  const at = helpText.indexOf('clock drivers:');
  if (at < 0) return null;
  const names = helpText
    .slice(at + 'clock drivers:'.length)
    .split(/\s+/)
    .filter((w) => /^[A-Z][A-Z0-9_]*$/.test(w));
  return names.length > 0 ? new Set(names) : null;
}
