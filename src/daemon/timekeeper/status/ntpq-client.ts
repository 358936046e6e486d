import type { SourceState, TimeSource } from '../../core/timekeeper-types.js';
import { questionState } from './chronyc-records.js';
import type { TimekeeperReading } from './chrony-normalise.js';
import { runCommand, type CommandResult, type RunCommand } from './command-runner.js';
import { clip, nonEmptyLines } from './csv-fields.js';
import { NTP_SYSTEM_VARIABLES, parsePeers, parseReadvar, PEERS_HEADER, type NtpPeerRecord, type NtpSystemRecord, type NtpTally } from './ntpq-records.js';
import type { Parsed } from './parse-result.js';

export interface NtpqClientOptions {
  /** How to run ntpq (`timekeeper.ntpsec.ntpqCommand`), e.g. ['ntpq'] or ['python3', '/opt/ntpsec/usr/bin/ntpq']. */
  ntpq?: readonly string[];
  host?: string; // where ntpd answers mode-6 control queries; default 127.0.0.1
  timeoutMs?: number; // the whole ntpq run
  /** ntpq's own wait for each answer (its `timeout` command), so that it reports a silent ntpd itself. */
  requestTimeoutMs?: number;
  env?: Record<string, string>; // e.g. PYTHONPATH for an unpacked ntpsec
  run?: RunCommand;
}

/**
 * Asks ntpd for its system variables and its peers in one ntpq run: `-c` commands run in
 * order in one session (ntpq(1)), so both describe the same moment and a Pi spawns one
 * process per poll. `-n` keeps addresses numeric (no DNS lookups that could stall the
 * poll), `-w` prints long addresses whole. ntpq exits 0 even when ntpd never answered; its
 * complaints (`***Socket error`, `***Request timed out`) come on stderr.
 */
export class NtpqClient {
  readonly #o: Required<Omit<NtpqClientOptions, 'env'>> & { env: Record<string, string> | undefined };

  constructor(o: NtpqClientOptions = {}) {
    this.#o = { ntpq: ['ntpq'], host: '127.0.0.1', timeoutMs: 8000, requestTimeoutMs: 1000, run: runCommand, ...o, env: o.env };
    if (this.#o.ntpq.length === 0) throw new RangeError('ntpq command is empty');
  }

  get argv(): string[] {
    return [
      ...this.#o.ntpq,
      '-n', '-w',
      '-c', `timeout ${this.#o.requestTimeoutMs}`,
      '-c', `rv 0 ${NTP_SYSTEM_VARIABLES.join(',')}`,
      '-c', 'peers',
      this.#o.host,
    ];
  }

  async query(): Promise<Parsed<TimekeeperReading>> {
    const res = await this.#o.run(this.argv, { timeoutMs: this.#o.timeoutMs, ...(this.#o.env ? { env: this.#o.env } : {}) });
    if (!res.ok) return { ok: false, error: this.#describeFailure(res) };
    const complaint = ntpqComplaint(res.stderr);
    if (complaint !== null) return { ok: false, error: this.#describeComplaint(complaint) };
    const batch = parseNtpqBatch(res.stdout);
    return batch.ok ? { ok: true, value: ntpsecReading(batch.value.system, batch.value.peers) } : batch;
  }

  #describeFailure(res: Extract<CommandResult, { ok: false }>): string {
    const prog = this.#o.ntpq[0]!;
    if (res.reason === 'not-found') return `ntpq not installed (${prog} not found)`;
    if (res.reason === 'timeout') return `ntpq timed out after ${this.#o.timeoutMs} ms asking ${this.#o.host}`;
    // A Python ntpq that cannot import its `ntp` package ends with the traceback's last line.
    const said = nonEmptyLines(res.stderr).slice(-1).join('');
    return `${res.message}${said ? `: ${clip(said, 160)}` : ''}`;
  }

  /** ntpq's messages (pylib/packet.py, SERR_*), said in terms of what to check. */
  #describeComplaint(c: string): string {
    const host = this.#o.host;
    if (/Socket error/i.test(c)) return `ntpd not running: nothing answers NTP control queries on ${host} (ntpq: ${c})`;
    if (/timed out/i.test(c)) {
      return `ntpd does not answer control queries on ${host} (ntpq: ${c}): ntpd is still starting, or ntp.conf lacks the restrict lines ntpsec needs to answer them (e.g. \`restrict 127.0.0.1\`)`;
    }
    return `ntpq: ${c}`;
  }
}

/** The first `***...` line ntpq printed on stderr, without the stars; null if none. */
export function ntpqComplaint(stderr: string): string | null {
  const line = nonEmptyLines(stderr).find((l) => l.startsWith('***'));
  return line === undefined ? null : clip(line.replace(/^\*+/, '').trim(), 160);
}

export interface NtpqBatch {
  system: NtpSystemRecord;
  peers: NtpPeerRecord[];
}

/**
 * Splits the output of `-c 'timeout N' -c 'rv 0 ...' -c peers`: the `timeout` command's echo
 * ("primary timeout N ms"), the rv pairs, then the peers table from its header on. With no
 * associations at all, ntpq prints "server=HOST No association IDs returned" instead of a
 * table, and once more before the rv pairs (rv looks the associations up first).
 */
export function parseNtpqBatch(stdout: string): Parsed<NtpqBatch> {
  const all = stdout.split(/\r?\n/).filter((l) => !/^primary timeout \d+ ms$/.test(l.trim()));
  const noAssociations = (l: string): boolean => /^(server=\S+ )?No association IDs returned$/.test(l.trim());
  const lines = all.filter((l) => !noAssociations(l));
  const header = lines.findIndex((l) => PEERS_HEADER.test(l));
  let rv: string[];
  let rows: string[];
  if (header >= 0) {
    if (!/^=+$/.test(lines[header + 1]?.trim() ?? '')) return { ok: false, error: 'ntpq printed a peers header without its rule' };
    rv = lines.slice(0, header);
    rows = lines.slice(header + 2);
  } else {
    if (!all.some(noAssociations)) return { ok: false, error: `ntpq printed no peers table: ${clip(nonEmptyLines(stdout).join(' | ') || '(nothing)')}` };
    rv = lines;
    rows = [];
  }
  if (nonEmptyLines(rv.join('\n')).length === 0) return { ok: false, error: 'ntpq printed no system variables' };
  const system = parseReadvar(rv.join('\n'));
  if (!system.ok) return system;
  const peers = parsePeers(rows);
  if (!peers.ok) return peers;
  return { ok: true, value: { system: system.value, peers: peers.value } };
}

/**
 * ntpq's select codes as chronyc's states. chrony's `-` (excluded by the combining
 * algorithm) covers ntpd's outliers (cluster algorithm), excess and backup survivors; ntpd's
 * `reject` (unreachable, a loop, or too distant) is chrony's `?`.
 */
const STATE: Record<NtpTally, SourceState> = {
  'sys.peer': 'selected',
  'pps.peer': 'selected',
  candidate: 'combined',
  backup: 'not combined',
  outlier: 'not combined',
  excess: 'not combined',
  falseticker: 'falseticker',
  reject: 'not selectable', // 'unreachable' when reach is 0 (questionState)
};

/**
 * ntpq's milliseconds (at most 4 decimals) as seconds, rounded to 12 significant digits so
 * that 937.521 ms is 0.937521 s rather than 0.9375209999999999; never -0.
 */
const seconds = (ms: number): number => Number((ms / 1000).toPrecision(12)) + 0;
const negS = (ms: number): number => seconds(-ms);

export function ntpsecReading(system: NtpSystemRecord, peers: readonly NtpPeerRecord[]): TimekeeperReading {
  // Until it has a system peer ntpd reports leap 11, stratum 16 and a kiss code (INIT) as refid.
  const synced = system.leap !== 'unsynchronised' && system.stratum < 16;
  return {
    synced,
    tracking: {
      refId: synced ? refIdHex(system.refId) : null,
      refName: synced ? system.refId : null,
      stratum: system.stratum,
      systemOffsetS: negS(system.offsetMs), // ntpd's offset is true time minus the local clock
      rootDelayS: seconds(system.rootDelayMs),
      rootDispersionS: seconds(system.rootDispersionMs),
      // ntpd's frequency is the correction it hands the kernel (positive speeds the clock up,
      // ntp_adjtime(2) `freq`); chrony's is the clock's own error (positive: fast).
      frequencyPpm: 0 - system.frequencyPpm,
      skewPpm: system.clockWanderPpm,
      leap: system.leap,
    },
    sources: peers.filter((p) => p.type !== 'pool').map(timeSource),
  };
}

function timeSource(p: NtpPeerRecord): TimeSource {
  const never = p.reach === 0 && p.whenS === null;
  return {
    // Refclocks by their refid (GPS, PPS), as chrony names them; `SHM(2)` says only the driver.
    name: p.type === 'refclock' ? p.refId : p.remote,
    kind: p.type === 'refclock' ? 'refclock' : p.type === 'symmetric-active' || p.type === 'symmetric-passive' ? 'peer' : 'server',
    state: questionState(STATE[p.tally], p.reach),
    stratum: p.stratum,
    reach: p.reach,
    // ntpq prints `-` for "never" and for "under a second ago"; a set reach register tells them apart.
    lastSampleAgoS: p.whenS ?? (p.reach > 0 ? 0 : null),
    // ntpd shows zeros for a source that never answered: that is no measurement.
    offsetS: never || p.offsetMs === null ? null : negS(p.offsetMs),
    errorS: null, // ntpq's peers table carries no error bound
    stdDevS: never || p.jitterMs === null ? null : seconds(p.jitterMs), // jitter: RMS of offset differences
  };
}

/** The refid as chronyc prints it: an IPv4 address or up to four ASCII characters, in hex. */
export function refIdHex(refId: string): string | null {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(refId);
  const bytes = v4 ? v4.slice(1).map(Number) : /^[\x21-\x7e]{1,4}$/.test(refId) ? [...refId].map((c) => c.charCodeAt(0)) : null;
  if (bytes === null || bytes.some((b) => b > 255)) return null;
  while (bytes.length < 4) bytes.push(0);
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join('').toUpperCase();
}
