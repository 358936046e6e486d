import { EventEmitter } from 'node:events';
import { SerialPort } from 'serialport';
// Types only; the package's ESM entry has no typings, its CommonJS one does.
import type { BindingInterface } from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { LineSample, SerialLink, SerialLinkEvents } from './serial-link.js';
import { DEFAULT_MAX_LINE_BYTES, TimestampedLineParser, newLineCounters } from './timestamped-line-parser.js';
import type { LineCounters } from './timestamped-line-parser.js';

export interface SerialportLinkOptions {
  /** `/dev/ttyAMA0`, `/dev/ttyACM0`, a socat pty link, or a mock port's path. */
  path: string;
  /** u-blox and most modules power up at 9600 (NMEA 0183 itself says 4800). */
  baudRate?: number;
  /** serialport's platform binding by default; tests pass `SerialPortMock.binding`. */
  binding?: BindingInterface;
  /** Only `now()` is used: the arrival time of each chunk. */
  clock?: Pick<Clock, 'now'>;
  maxLineBytes?: number;
}

export interface SerialportLinkStats extends LineCounters {
  /** Successful opens since construction; more than one means the device came back. */
  opens: number;
}

interface Session {
  port: SerialPort;
  parser: TimestampedLineParser;
  /** close() was called: what is still in flight is not delivered. */
  closing: boolean;
  ended: boolean;
}

// bindings-cpp prefixes its messages with "Error: "; the caller adds its own context.
const message = (err: unknown): string => (err instanceof Error ? err.message : String(err)).replace(/^Error: /, '');

/** A GNSS receiver on a real (or pseudo-) terminal, through serialport. */
export class SerialportLink extends EventEmitter<SerialLinkEvents> implements SerialLink {
  readonly path: string;
  private readonly baudRate: number;
  private readonly binding: BindingInterface | undefined;
  private readonly clock: Pick<Clock, 'now'>;
  private readonly maxLineBytes: number;
  private readonly counters = newLineCounters();
  private opens = 0;
  private opening = false;
  private session: Session | null = null;

  constructor(options: SerialportLinkOptions) {
    super();
    this.path = options.path;
    this.baudRate = options.baudRate ?? 9600;
    this.binding = options.binding;
    this.clock = options.clock ?? systemClock;
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  }

  get isOpen(): boolean {
    return this.session !== null;
  }

  stats(): SerialportLinkStats {
    return { ...this.counters, opens: this.opens };
  }

  async open(): Promise<void> {
    if (this.session || this.opening) throw new Error(`${this.path}: already open`);
    this.opening = true;
    try {
      const port = this.createPort();
      await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
      // Bytes the kernel buffered while nobody was reading would get today's arrival
      // time on sentences that may be minutes old: throw them away.
      await new Promise<void>((resolve, reject) => port.flush((err) => (err ? reject(err) : resolve())))
        .catch(async (err: unknown) => {
          await new Promise<void>((resolve) => port.close(() => resolve()));
          throw err;
        });
      this.attach(port);
      this.opens++;
    } catch (err) {
      throw new Error(`cannot open GNSS serial port ${this.path}: ${message(err)}`, { cause: err });
    } finally {
      this.opening = false;
    }
  }

  async close(): Promise<void> {
    const session = this.session;
    if (!session) return;
    session.closing = true;
    // 'close' is emitted only once the port is really closed, so that a listener may
    // call open() again straight away (the device lock is released by then).
    if (session.port.isOpen) await new Promise<void>((resolve) => session.port.close(() => resolve()));
    this.end(session, null);
  }

  async write(data: string): Promise<void> {
    const session = this.session;
    if (!session) throw new Error(`${this.path}: not open`);
    await new Promise<void>((resolve, reject) =>
      session.port.write(Buffer.from(data, 'latin1'), (err) => (err ? reject(err) : resolve())),
    );
  }

  private createPort(): SerialPort {
    // Passed as a variable, not a literal: SerialPort's option type leaves `binding` out,
    // but its constructor honours one (that is how SerialPortMock is built).
    const options = { path: this.path, baudRate: this.baudRate, autoOpen: false, binding: this.binding };
    if (!this.binding) delete options.binding;
    return new SerialPort(options);
  }

  private attach(port: SerialPort): void {
    const parser = new TimestampedLineParser(() => this.clock.now(), this.counters, this.maxLineBytes);
    const session: Session = { port, parser, closing: false, ended: false };
    this.session = session;
    port.pipe(parser);
    parser.on('data', (sample: LineSample) => {
      if (!session.closing && !session.ended) this.emit('line', sample);
    });
    // serialport reports a vanished device (read error, USB unplug, pty hang-up) as a
    // 'close' carrying a DisconnectedError; anything on 'error' ends the session too.
    port.on('close', (err: Error | null) => {
      if (session.closing) return this.end(session, null);
      this.end(session, new Error(`${this.path}: device went away (${err?.message ?? 'closed'})`, { cause: err }));
    });
    port.on('error', (err: Error) => {
      this.end(session, new Error(`${this.path}: ${err.message}`, { cause: err }));
      if (port.isOpen) port.close(() => undefined);
    });
  }

  private end(session: Session, err: Error | null): void {
    if (session.ended) return;
    session.ended = true;
    if (this.session === session) this.session = null;
    session.port.unpipe(session.parser);
    session.parser.destroy();
    this.emit('close', err);
  }
}
