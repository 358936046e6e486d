import type { Fix, Sky } from '../core/fix.js';
import { type DecodeCounters, type FixTrust, NmeaPipeline, type NmeaPipelineOptions, type TextMessage } from './nmea-pipeline.js';

/**
 * Recorded receiver logs: NMEA lines as the receiver sent them, with `#` comment lines as a
 * header (gpsd's regression logs, `gpspipe -r` captures). Read as a stream so a log of any
 * size decodes in constant memory.
 */

/** A line longer than this without a terminator is binary junk; it is cut and counted as overlong. */
const MAX_BUFFERED = 64 * 1024;

/**
 * Calls `onLine` for each line of a stream, terminators removed. Read as latin1 so every
 * byte stays one character and binary noise reaches the framer intact (a UTF-8 decode would
 * fold it into U+FFFD). Lines are handed over synchronously per chunk: an async iterator
 * per line would cost more than decoding the line.
 *
 * Lines are cut straight out of each chunk's text; only a line split across two chunks is
 * joined. Prefixing every chunk with the previous remainder instead would copy each chunk a
 * second time, and chunk-sized strings past V8's regular object size live in the large
 * object space until a full collection: over a long log that is memory that grows with the
 * input's size rather than with its longest epoch.
 */
/** A chunk's bytes as text, without copying a Buffer first (Buffer.from(buffer) copies). */
function latin1(u8: Uint8Array): string {
  return (Buffer.isBuffer(u8) ? u8 : Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength)).toString('latin1');
}

export async function forEachLine(
  input: NodeJS.ReadableStream,
  onLine: (line: string) => void,
  afterChunk?: () => Promise<void> | void,
): Promise<void> {
  let rest = '';
  for await (const chunk of input) {
    const text = typeof chunk === 'string' ? chunk : latin1(chunk as Uint8Array);
    let start = 0;
    let nl = text.indexOf('\n');
    if (nl >= 0 && rest.length > 0) {
      onLine(rest + text.slice(0, nl));
      rest = '';
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    for (; nl >= 0; nl = text.indexOf('\n', start)) {
      onLine(text.slice(start, nl));
      start = nl + 1;
    }
    rest = start === 0 ? rest + text : rest + text.slice(start);
    if (rest.length > MAX_BUFFERED) {
      onLine(rest);
      rest = '';
    }
    if (afterChunk) await afterChunk();
  }
  if (rest.length > 0) onLine(rest);
}

export interface CalendarDay {
  year: number;
  month: number;
  day: number;
}

/**
 * gpsfake's header `# Date: yyyy-mm-dd` (gpsd regression logs) dates logs whose sentences
 * carry no date. `# Date = ...` (seen in one log) is read the same way.
 */
export function headerDate(line: string): CalendarDay | null {
  const m = /^#\s*Date\s*[:=]\s*(\d{4})-(\d{1,2})-(\d{1,2})/.exec(line);
  if (!m) return null;
  const d = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  return d.month >= 1 && d.month <= 12 && d.day >= 1 && d.day <= 31 ? d : null;
}

export interface LogSink {
  fix?(fix: Fix, trust: FixTrust): void;
  sky?(sky: Sky): void;
  text?(message: TextMessage): void;
  /** Called between input chunks: the place to wait for a slow consumer (backpressure). */
  afterChunk?(): Promise<void> | void;
}

export interface LogDecodeResult {
  counters: DecodeCounters;
  headerLines: number;
  initialDate: CalendarDay | null;
}

/**
 * Decodes a whole log through one NmeaPipeline. The pipeline is built at the first
 * non-header line, so a `# Date:` anywhere in the header applies. receivedAt is the line
 * number: a log records no arrival times, and line order is what epoch grouping needs.
 */
export async function decodeLog(
  input: NodeJS.ReadableStream,
  opts: Omit<NmeaPipelineOptions, 'initialDate'>,
  sink: LogSink,
): Promise<LogDecodeResult> {
  let pipeline: NmeaPipeline | null = null;
  let initialDate: CalendarDay | null = null;
  let headerLines = 0;
  let lineNo = 0;
  const start = (): NmeaPipeline => {
    const p = new NmeaPipeline({ ...opts, initialDate });
    if (sink.fix) p.on('fix', sink.fix);
    if (sink.sky) p.on('sky', sink.sky);
    if (sink.text) p.on('text', sink.text);
    return p;
  };
  await forEachLine(input, (line) => {
    lineNo++;
    if (line.startsWith('#')) {
      headerLines++;
      if (!pipeline) initialDate = headerDate(line) ?? initialDate;
      return;
    }
    pipeline ??= start();
    pipeline.push({ line, receivedAt: lineNo });
  }, sink.afterChunk);
  pipeline ??= start();
  pipeline.closeEpoch();
  return { counters: pipeline.counters, headerLines, initialDate };
}
