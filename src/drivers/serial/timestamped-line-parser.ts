import { ReadlineParser } from '@serialport/parser-readline';
import type { TransformCallback } from 'node:stream';
import type { LineSample } from './serial-link.js';

/** Counters a link reports so that garbage on the wire shows up in status, not in a crash. */
export interface LineCounters {
  bytes: number;
  lines: number;
  /** Runs longer than `maxLineBytes` without a newline, dropped whole. */
  overlong: number;
}

export const newLineCounters = (): LineCounters => ({ bytes: 0, lines: 0, overlong: 0 });

/**
 * NMEA 0183 caps a sentence at 82 characters (IEC 61162-1 §7.3.1); u-blox TXT and
 * proprietary sentences stay far below this. Anything longer is a wrong baud rate or a
 * binary protocol on the wire.
 */
export const DEFAULT_MAX_LINE_BYTES = 4096;

/**
 * ReadlineParser's splitting, plus the two things it lacks for a time source:
 * - each line carries the arrival time of the chunk that held its FIRST byte: the label
 *   delay is measured from when the receiver started talking, and the newline may come
 *   one or more reads later (USB serial adapters deliver in 1 ms frames, a UART in FIFO
 *   fills);
 * - the buffered partial line is bounded: a stream of noise without a newline is dropped
 *   and counted, not accumulated.
 * Output is objects (LineSample), decoded as latin1 so that no byte sequence can throw.
 */
export class TimestampedLineParser extends ReadlineParser {
  private chunkAt = 0;
  private lineStartedAt = 0;
  /** Inside an overlong run: its tail up to the next newline is noise too. */
  private discarding = false;

  constructor(
    private readonly now: () => number,
    private readonly counters: LineCounters,
    private readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES,
  ) {
    // No `encoding`: ReadlineParser defaults it to utf8, which would try to decode our
    // LineSample objects (and utf8 is the wrong guess for noise anyway).
    super({ delimiter: Buffer.from('\n'), encoding: undefined, readableObjectMode: true });
  }

  override _transform(chunk: Buffer, encoding: BufferEncoding, cb: TransformCallback): void {
    this.chunkAt = this.now();
    this.counters.bytes += chunk.length;
    if (this.buffer.length === 0) this.lineStartedAt = this.chunkAt;
    super._transform(chunk, encoding, (err) => {
      if (this.buffer.length > this.maxLineBytes) {
        this.buffer = Buffer.alloc(0);
        if (!this.discarding) this.counters.overlong++;
        this.discarding = true;
      }
      cb(err);
    });
  }

  /** A partial line at close time is incomplete: it is not a sentence, so it is not emitted. */
  override _flush(cb: TransformCallback): void {
    this.buffer = Buffer.alloc(0);
    cb();
  }

  // DelimiterParser calls push() once per complete line, synchronously inside _transform.
  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (!Buffer.isBuffer(chunk)) return super.push(chunk, encoding);
    const receivedAt = this.lineStartedAt;
    this.lineStartedAt = this.chunkAt; // the next line starts in the current chunk
    if (this.discarding || chunk.length > this.maxLineBytes) {
      if (!this.discarding) this.counters.overlong++;
      this.discarding = false;
      return true;
    }
    let line = chunk.toString('latin1');
    if (line.endsWith('\r')) line = line.slice(0, -1);
    this.counters.lines++;
    const sample: LineSample = { line, receivedAt };
    return super.push(sample);
  }
}
