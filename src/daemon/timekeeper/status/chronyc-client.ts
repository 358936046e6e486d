import { chronycAddressArgs } from '../chronyc-address.js';
import { clip, nonEmptyLines } from './csv-fields.js';
import { chronyReading, type TimekeeperReading } from './chrony-normalise.js';
import { parseSourceStatsCsv, parseSourcesCsv, parseTrackingCsv } from './chronyc-records.js';
import { runCommand, type CommandResult, type RunCommand } from './command-runner.js';
import type { Parsed } from './parse-result.js';

export interface ChronycClientOptions {
  /** chronyd's command socket path, or `host[:port]` of its UDP command port (see chronyc-address.ts). */
  commandSocket: string;
  chronyc?: string; // the program, default `chronyc` on PATH
  timeoutMs?: number;
  run?: RunCommand;
}

/**
 * Asks chronyd for tracking, sources and sourcestats in one chronyc run (`-m`), so that the
 * three reports describe the same moment and a Pi spawns one process per poll, not three.
 * `-c` gives CSV, `-n` keeps addresses numeric (no DNS lookups that could stall the poll).
 */
export class ChronycClient {
  readonly #o: Required<ChronycClientOptions>;

  constructor(o: ChronycClientOptions) {
    this.#o = { chronyc: 'chronyc', timeoutMs: 5000, run: runCommand, ...o };
  }

  get argv(): string[] {
    return [this.#o.chronyc, '-c', '-n', ...chronycAddressArgs(this.#o.commandSocket), '-m', 'tracking', 'sources', 'sourcestats'];
  }

  async query(): Promise<Parsed<TimekeeperReading>> {
    const res = await this.#o.run(this.argv, { timeoutMs: this.#o.timeoutMs });
    if (!res.ok) return { ok: false, error: this.#describeFailure(res) };
    return parseChronycBatch(res.stdout);
  }

  #describeFailure(res: Extract<CommandResult, { ok: false }>): string {
    const sock = this.#o.commandSocket;
    // chronyc prints "506 Cannot talk to daemon" on stdout when the UDP command port is silent.
    const said = nonEmptyLines(`${res.stderr}\n${res.stdout}`).join('; ');
    if (res.reason === 'not-found') return `chronyc not installed (${this.#o.chronyc} not found)`;
    if (res.reason === 'timeout') return `chronyc timed out after ${this.#o.timeoutMs} ms asking ${sock}`;
    // chronyc's wording when the socket is absent or nobody listens on it (chrony 4.3).
    if (/Could not open connection|Cannot talk to daemon|connection refused/i.test(said)) {
      return `chronyd not running: no answer on ${sock}`;
    }
    if (/Not authori[sz]ed|Permission denied/i.test(said)) {
      return `chronyc may not use ${sock}: ${clip(said)} (stratum1d needs to run as root or _chrony)`;
    }
    return `${res.message}${said ? `: ${clip(said, 160)}` : ''}`;
  }
}

/**
 * Splits the output of `chronyc -c -m tracking sources sourcestats` by record width: tracking
 * lines have 14 fields, sources 10, sourcestats 8 (client.c). Anything else is malformed.
 */
export function parseChronycBatch(stdout: string): Parsed<TimekeeperReading> {
  const byWidth = new Map<number, string[]>([[14, []], [10, []], [8, []]]);
  for (const line of nonEmptyLines(stdout)) {
    const group = byWidth.get(line.split(',').length);
    if (!group) return { ok: false, error: `chronyc printed an unexpected line: ${clip(line)}` };
    group.push(line);
  }
  const tracking = parseTrackingCsv(byWidth.get(14)!.join('\n'));
  if (!tracking.ok) return tracking;
  const sources = parseSourcesCsv(byWidth.get(10)!.join('\n'));
  if (!sources.ok) return sources;
  const stats = parseSourceStatsCsv(byWidth.get(8)!.join('\n'));
  if (!stats.ok) return stats;
  return { ok: true, value: chronyReading(tracking.value, sources.value, stats.value) };
}
