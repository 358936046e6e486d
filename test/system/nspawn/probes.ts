import type { Container } from './container.js';

/** What `systemctl show` says about a unit (the properties asked for). */
export async function unitProps(c: Container, unit: string, props: string[]): Promise<Record<string, string>> {
  const r = await c.exec(['systemctl', 'show', unit, ...props.map((p) => `--property=${p}`)]);
  const out: Record<string, string> = {};
  for (const line of r.stdout.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

export async function mainPid(c: Container, unit: string): Promise<number> {
  return Number((await unitProps(c, unit, ['MainPID'])).MainPID ?? 0);
}

/** One row of `chronyc -c sources` / `sourcestats` for a refid. */
export interface ChronySource {
  mode: string;
  state: string;
  reach: number;
  samples: number | null;
}

/**
 * chronyd's view of a refclock: `sources` (mode, state, reach as octal) joined with
 * `sourcestats` (number of samples). Run as root inside: the command socket answers there.
 */
export async function chronySource(c: Container, refid: string): Promise<ChronySource | null> {
  const sources = await c.exec(['chronyc', '-c', '-n', 'sources']);
  const row = sources.stdout
    .split('\n')
    .map((l) => l.split(','))
    .find((f) => f[2] === refid);
  if (!row) return null;
  const stats = await c.exec(['chronyc', '-c', '-n', 'sourcestats']);
  const srow = stats.stdout
    .split('\n')
    .map((l) => l.split(','))
    .find((f) => f[0] === refid);
  return { mode: row[0]!, state: row[1]!, reach: parseInt(row[5] ?? '0', 8), samples: srow ? Number(srow[1]) : null };
}

/** Every running chronyd's command line (host-side `ps` would see the container's too: ask inside). */
export async function chronydCommandLines(c: Container): Promise<string[]> {
  const r = await c.exec(['ps', '-o', 'args=', '-C', 'chronyd']);
  return r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
}

/** `stratum1d status --json` as root, parsed; null when it does not answer with JSON. */
export async function statusJson(c: Container): Promise<StatusJson | null> {
  const r = await c.exec(['stratum1d', 'status', '--json'], { timeoutMs: 30_000 });
  try {
    return JSON.parse(r.stdout) as StatusJson;
  } catch {
    return null;
  }
}

export interface StatusJson {
  summary?: string;
  state?: {
    pid?: number;
    gnss?: { device?: string; link?: string; trust?: { timeValid?: boolean } };
    timekeeper?: { feed?: { sockSent?: number; sockFailed?: number; lastError?: string | null } };
    alarms?: { active?: Array<{ id: string; severity?: string; message?: string }> };
  };
}

/** The active alarms in a `status --json` answer; undefined when there was no answer. */
export const activeAlarms = (j: StatusJson | null) => j?.state?.alarms?.active;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls until `probe` returns a value (not undefined/null/false) or the time is up; then
 * returns the last value seen (possibly falsy) so the assertion that follows shows it. Generous
 * bounds: the machine may be loaded, and only the outcome matters, never how long it took.
 */
export async function eventually<T>(probe: () => Promise<T>, timeoutMs: number, everyMs = 1000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if ((v !== undefined && v !== null && v !== false) || Date.now() > deadline) return v;
    await sleep(everyMs);
  }
}
