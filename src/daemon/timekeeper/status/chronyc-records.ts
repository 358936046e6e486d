import { CsvRecord, nonEmptyLines } from './csv-fields.js';
import { catchFieldErrors, FieldError, type Parsed } from './parse-result.js';
import type { SourceState } from '../../core/timekeeper-types.js';

/*
 * The records of `chronyc -c -n tracking | sources | sourcestats`, every CSV column named and
 * typed. Column order and formats follow chronyc's reports (chronyc(1); client.c in chrony
 * 4.x, process_cmd_tracking / _sources / _sourcestats) and were checked against chrony 4.3's
 * output (fixtures in test/unit/daemon/timekeeper/status/fixtures/). Signs are chrony's own.
 */

export type ChronyLeapStatus = 'normal' | 'insert' | 'delete' | 'unsynchronised';

/** `chronyc -c tracking`: one line, 14 fields. */
export interface ChronyTrackingRecord {
  refIdHex: string; // 8 hex digits: an IPv4 address, or a refclock's ASCII refid ("50505300" = PPS)
  refName: string | null; // address or refid; empty when not synchronised
  stratum: number;
  refTimeS: number | null; // last reference update, s since the epoch; null: never
  /** chronyd's remaining correction: positive means the system clock is slow of NTP time. */
  systemTimeS: number;
  lastOffsetS: number;
  rmsOffsetS: number;
  /** Rate error of the system clock without chronyd's correction: positive is fast. */
  frequencyPpm: number;
  residualFrequencyPpm: number;
  skewPpm: number;
  rootDelayS: number;
  rootDispersionS: number;
  updateIntervalS: number;
  leap: ChronyLeapStatus;
}

export type ChronySourceMode = 'server' | 'peer' | 'refclock';

/** `chronyc -c sources`: one line per source, 10 fields. */
export interface ChronySourceRecord {
  mode: ChronySourceMode; // '^' server, '=' peer, '#' local reference clock
  state: SourceState; // '*' '+' '-' '?' 'x' '~'
  name: string; // address (with -n) or refclock refid
  stratum: number;
  pollLog2: number; // polling interval, log2 seconds (may be negative)
  reach: number; // 8-bit reachability register (printed in octal)
  lastRxS: number | null; // seconds since the last sample; null: never
  adjustedOffsetS: number; // positive: the local clock is ahead of the source
  measuredOffsetS: number; // the same sample before later clock corrections
  errorS: number; // estimated error bound (+/-)
}

/** `chronyc -c sourcestats`: one line per source, 8 fields. */
export interface ChronySourceStatsRecord {
  name: string;
  samples: number; // NP
  runs: number; // NR: residual runs with the same sign
  spanS: number;
  frequencyPpm: number; // estimated residual frequency of the source
  frequencySkewPpm: number;
  offsetS: number;
  stdDevS: number;
}

const LEAP: Record<string, ChronyLeapStatus> = {
  Normal: 'normal',
  'Insert second': 'insert',
  'Delete second': 'delete',
  'Not synchronised': 'unsynchronised',
};
const MODE: Record<string, ChronySourceMode> = { '^': 'server', '=': 'peer', '#': 'refclock' };
/**
 * chronyc(1) "sources", column S. `?` is "not considered to be selectable for synchronisation
 * for other reasons (e.g. unreachable, not synchronised, or does not have enough
 * measurements)", and `noselect` sources show it too: see {@link questionState}.
 */
const STATE: Record<string, SourceState> = {
  '*': 'selected',
  '+': 'combined',
  '-': 'not combined',
  '?': 'not selectable',
  x: 'falseticker',
  '~': 'too variable',
};
/** chronyc prints an unset interval (uint32 -1) for "never", shown as `-` in its human output. */
const NEVER = 4294967295;

export function parseTrackingCsv(out: string): Parsed<ChronyTrackingRecord> {
  return catchFieldErrors(() => {
    const lines = nonEmptyLines(out);
    if (lines.length !== 1) throw fieldError(`tracking: expected one CSV line, got ${lines.length}`);
    const r = CsvRecord.split(lines[0]!, 14, 'tracking');
    const refIdHex = r.text(0);
    if (!/^[0-9A-F]{8}$/i.test(refIdHex)) throw fieldError(`tracking: reference ID is not 8 hex digits: ${refIdHex}`);
    const refTime = r.float(3, 'ref time');
    return {
      refIdHex: refIdHex.toUpperCase(),
      refName: r.text(1) === '' ? null : r.text(1),
      stratum: r.int(2, 'stratum'),
      refTimeS: refTime === 0 ? null : refTime,
      systemTimeS: r.float(4, 'system time'),
      lastOffsetS: r.float(5, 'last offset'),
      rmsOffsetS: r.float(6, 'RMS offset'),
      frequencyPpm: r.float(7, 'frequency'),
      residualFrequencyPpm: r.float(8, 'residual frequency'),
      skewPpm: r.float(9, 'skew'),
      rootDelayS: r.float(10, 'root delay'),
      rootDispersionS: r.float(11, 'root dispersion'),
      updateIntervalS: r.float(12, 'update interval'),
      leap: r.oneOf(13, 'leap status', LEAP),
    };
  });
}

export function parseSourcesCsv(out: string): Parsed<ChronySourceRecord[]> {
  return catchFieldErrors(() =>
    nonEmptyLines(out).map((line, i) => {
      const r = CsvRecord.split(line, 10, `sources line ${i + 1}`);
      const lastRx = r.int(6, 'last rx');
      const reach = r.octal(5, 'reach');
      return {
        mode: r.oneOf(0, 'source mode', MODE),
        state: questionState(r.oneOf(1, 'source state', STATE), reach),
        name: nonEmptyName(r, 2),
        stratum: r.int(3, 'stratum'),
        pollLog2: r.int(4, 'poll'),
        reach,
        lastRxS: lastRx === NEVER ? null : lastRx,
        adjustedOffsetS: r.float(7, 'adjusted offset'),
        measuredOffsetS: r.float(8, 'measured offset'),
        errorS: r.float(9, 'error'),
      };
    }),
  );
}

export function parseSourceStatsCsv(out: string): Parsed<ChronySourceStatsRecord[]> {
  return catchFieldErrors(() =>
    nonEmptyLines(out).map((line, i) => {
      const r = CsvRecord.split(line, 8, `sourcestats line ${i + 1}`);
      return {
        name: nonEmptyName(r, 0),
        samples: r.int(1, 'NP'),
        runs: r.int(2, 'NR'),
        spanS: r.int(3, 'span'),
        frequencyPpm: r.float(4, 'frequency'),
        frequencySkewPpm: r.float(5, 'frequency skew'),
        offsetS: r.float(6, 'offset'),
        stdDevS: r.float(7, 'std dev'),
      };
    }),
  );
}

/**
 * `?` with an empty reach register is a source that has not answered in the last 8 polls:
 * unreachable. With any bit set, samples do arrive and chronyd cannot select the source for
 * another reason (noselect, too few samples yet, not synchronised): saying "unreachable"
 * then sends the operator to check a cable that works.
 */
export function questionState(state: SourceState, reach: number): SourceState {
  return state === 'not selectable' && reach === 0 ? 'unreachable' : state;
}

function nonEmptyName(r: CsvRecord, i: number): string {
  const name = r.text(i);
  if (name.trim() === '') throw fieldError(`empty source name`);
  return name;
}

const fieldError = (m: string): FieldError => new FieldError(m);
