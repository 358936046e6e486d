import { clip, nonEmptyLines } from './csv-fields.js';
import { catchFieldErrors, FieldError, type Parsed } from './parse-result.js';

/*
 * The records of ntpsec 1.2's ntpq: `rv 0 <names>` (system variables) and `peers` (the table
 * `ntpq -p` prints), every field named and typed. Formats follow ntpq(1) and ntpsec's
 * pylib/util.py (PeerSummary.summary, prettyinterval, f8dot3/f8dot4) and were checked against
 * ntpsec 1.2.2's output (fixtures in test/unit/daemon/timekeeper/status/fixtures/ntpq/).
 * Units and signs are ntpq's own: milliseconds, offsets as source minus local clock.
 */

export type NtpLeap = 'normal' | 'insert' | 'delete' | 'unsynchronised';

/** The system variables stratum1d asks for (ntpq(1), "System Variables"). */
export const NTP_SYSTEM_VARIABLES = ['leap', 'stratum', 'refid', 'offset', 'frequency', 'clk_wander', 'rootdelay', 'rootdisp'] as const;

export interface NtpSystemRecord {
  leap: NtpLeap; // the two leap indicator bits; 11 until ntpd has synchronised
  stratum: number; // 16: unsynchronised
  /** An IPv4 address, a refclock's refid (GPS, PPS), or a kiss code (INIT) while unsynchronised. */
  refId: string;
  /** Combined offset of the system peer relative to this host (source minus local), ms. */
  offsetMs: number;
  /** The frequency correction ntpd applies (the driftfile value): positive speeds the clock up. */
  frequencyPpm: number;
  clockWanderPpm: number; // RMS of frequency changes
  rootDelayMs: number;
  rootDispersionMs: number;
}

/** The `select` field of the peer status word (ntpsec decode.adoc, "Peer Status Word"). */
export type NtpTally = 'reject' | 'falseticker' | 'excess' | 'outlier' | 'candidate' | 'backup' | 'sys.peer' | 'pps.peer';

/** The `t` column (ntpq(1), "peers"); a digit is an NTS server holding that many cookies. */
export type NtpPeerType =
  | 'refclock' // l
  | 'unicast' // u
  | 'pool' // p: the pool prototype, not a source itself
  | 'nts' // 0-9
  | 'manycast' // a
  | 'broadcast-client' // b
  | 'broadcast-server' // B
  | 'multicast-server' // M
  | 'symmetric-active' // s
  | 'symmetric-passive'; // S

/** One row of `ntpq -n -w peers`. */
export interface NtpPeerRecord {
  tally: NtpTally;
  remote: string; // address with -n; refclocks by driver and unit, e.g. SHM(2)
  refId: string; // without the dots ntpq adds around refclock refids and kiss codes
  stratum: number;
  type: NtpPeerType;
  whenS: number | null; // seconds since the last packet or sample; null: none yet
  pollS: number;
  reach: number; // 8-bit reachability register (printed in octal)
  delayMs: number | null; // null where ntpq prints `.`, `nan` or `X` (no value)
  offsetMs: number | null; // source minus local clock
  jitterMs: number | null;
}

const LEAP: Record<string, NtpLeap> = { '00': 'normal', '01': 'insert', '10': 'delete', '11': 'unsynchronised' };
// util.py indexes " x.-+#*o" by the select field (0-7).
const TALLY: Record<string, NtpTally> = {
  ' ': 'reject',
  x: 'falseticker',
  '.': 'excess',
  '-': 'outlier',
  '+': 'candidate',
  '#': 'backup',
  '*': 'sys.peer',
  o: 'pps.peer',
};
const TYPE: Record<string, NtpPeerType> = {
  l: 'refclock',
  u: 'unicast',
  p: 'pool',
  a: 'manycast',
  b: 'broadcast-client',
  B: 'broadcast-server',
  M: 'multicast-server',
  s: 'symmetric-active',
  S: 'symmetric-passive',
};
/** Printed by f8dot3/f8dot4 for a value ntpd did not send or that is not a number. */
const NO_VALUE = new Set(['.', '-', 'nan', 'X']);
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** The header ntpq prints above the peers table (util.py, PeerSummary.header). */
export const PEERS_HEADER = /^\s*remote\s+refid\s+st\s+t\s+when\s+poll\s+reach\s+delay\s+offset\s+jitter\s*$/;

/**
 * `rv 0 a,b,c` prints `name=value` pairs separated by commas, wrapped over lines after a
 * comma; string values are quoted and may hold commas, so the split respects quotes.
 */
export function parseReadvar(out: string): Parsed<NtpSystemRecord> {
  return catchFieldErrors(() => {
    const vars = readvarPairs(nonEmptyLines(out).join(' '));
    const num = (name: string): number => {
      const raw = vars.get(name);
      if (raw === undefined) throw new FieldError(`rv: no ${name} in ntpd's answer`);
      if (!NUMBER.test(raw)) throw new FieldError(`rv: ${name} is not a number: ${clip(raw)}`);
      return Number(raw);
    };
    const leap = vars.get('leap');
    if (leap === undefined || !Object.prototype.hasOwnProperty.call(LEAP, leap)) throw new FieldError(`rv: leap is not two bits: ${clip(String(leap))}`);
    const refId = vars.get('refid');
    if (refId === undefined || refId === '') throw new FieldError('rv: no refid in ntpd\'s answer');
    const stratum = num('stratum');
    if (!Number.isInteger(stratum) || stratum < 0 || stratum > 16) throw new FieldError(`rv: stratum out of range: ${stratum}`);
    return {
      leap: LEAP[leap]!,
      stratum,
      refId,
      offsetMs: num('offset'),
      frequencyPpm: num('frequency'),
      clockWanderPpm: num('clk_wander'),
      rootDelayMs: num('rootdelay'),
      rootDispersionMs: num('rootdisp'),
    };
  });
}

function readvarPairs(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  while (i < text.length) {
    while (text[i] === ' ' || text[i] === ',') i++;
    if (i >= text.length) break;
    const eq = text.indexOf('=', i);
    const name = eq < 0 ? '' : text.slice(i, eq).trim();
    if (!/^[a-z_][a-z0-9_.]*$/i.test(name)) throw new FieldError(`rv: expected name=value at: ${clip(text.slice(i))}`);
    let j = eq + 1;
    if (text[j] === '"') {
      const close = text.indexOf('"', j + 1);
      if (close < 0) throw new FieldError(`rv: unterminated string in ${name}`);
      out.set(name, text.slice(j + 1, close));
      j = close + 1;
    } else {
      const comma = text.indexOf(',', j);
      const end = comma < 0 ? text.length : comma;
      out.set(name, text.slice(j, end).trim());
      j = end;
    }
    if (j < text.length && text[j] !== ',') throw new FieldError(`rv: expected a comma after ${name}`);
    i = j;
  }
  return out;
}

/**
 * The rows below the `====` rule of `ntpq -n -w peers`. Each is the tally character, the
 * remote (padded to 15 columns), then nine blank-separated fields. With -w a remote wider
 * than its column is printed alone and the fields follow on the next line, indented.
 */
export function parsePeers(rows: readonly string[]): Parsed<NtpPeerRecord[]> {
  return catchFieldErrors(() => {
    const out: NtpPeerRecord[] = [];
    for (let i = 0; i < rows.length; i++) {
      const line = rows[i]!;
      if (line.trim() === '') continue;
      const tally = TALLY[line[0]!];
      if (tally === undefined) throw new FieldError(`peers: unknown tally code ${JSON.stringify(line[0])}: ${clip(line)}`);
      let fields = line.slice(1).trim().split(/\s+/);
      // A continuation is indented past the tally and remote columns; a reject row (tally ' ')
      // has one leading blank only.
      if (fields.length === 1 && i + 1 < rows.length && /^\s{2}/.test(rows[i + 1]!)) {
        fields = [fields[0]!, ...rows[++i]!.trim().split(/\s+/)];
      }
      out.push(peerRow(tally, fields, line));
    }
    return out;
  });
}

function peerRow(tally: NtpTally, f: readonly string[], line: string): NtpPeerRecord {
  if (f.length !== 10) throw new FieldError(`peers: expected 10 fields, got ${f.length}: ${clip(line)}`);
  const [remote, refid, st, t, when, poll, reach, delay, offset, jitter] = f as [string, string, string, string, string, string, string, string, string, string];
  const type = /^\d$/.test(t) ? 'nts' : TYPE[t];
  if (type === undefined) throw new FieldError(`peers: unknown type ${JSON.stringify(t)} for ${remote}`);
  if (!/^\d{1,2}$/.test(st)) throw new FieldError(`peers: stratum of ${remote} is not a number: ${clip(st)}`);
  if (!/^[0-7]{1,3}$/.test(reach)) throw new FieldError(`peers: reach of ${remote} is not an octal register: ${clip(reach)}`);
  const pollS = interval(poll, 'poll', remote);
  if (pollS === null) throw new FieldError(`peers: no poll interval for ${remote}`);
  return {
    tally,
    remote,
    refId: /^\..*\.$/.test(refid) && refid.length >= 2 ? refid.slice(1, -1) : refid,
    stratum: Number(st),
    type,
    whenS: interval(when, 'when', remote),
    pollS,
    reach: parseInt(reach, 8),
    delayMs: milliseconds(delay, 'delay', remote),
    offsetMs: milliseconds(offset, 'offset', remote),
    jitterMs: milliseconds(jitter, 'jitter', remote),
  };
}

/**
 * util.py's prettyinterval: seconds up to 2048, then rounded minutes (m), hours (h), days (d);
 * `-` for a difference of zero or less, which is "never" but also "this very second".
 */
function interval(raw: string, name: string, remote: string): number | null {
  if (raw === '-') return null;
  const m = /^(\d+)([mhd]?)$/.exec(raw);
  if (!m) throw new FieldError(`peers: ${name} of ${remote} is not an interval: ${clip(raw)}`);
  return Number(m[1]) * { '': 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 'm' | 'h' | 'd'];
}

function milliseconds(raw: string, name: string, remote: string): number | null {
  if (NO_VALUE.has(raw)) return null;
  if (!NUMBER.test(raw)) throw new FieldError(`peers: ${name} of ${remote} is not a number of ms: ${clip(raw)}`);
  return Number(raw);
}
