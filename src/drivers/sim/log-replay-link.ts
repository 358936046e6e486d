import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import type { Cancel, Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { SerialLink, SerialLinkEvents } from '../serial/serial-link.js';
import { epochInterval, splitEpochs } from './replay-epochs.js';
import type { ReplayEpoch } from './replay-epochs.js';

export interface LogReplayLinkOptions {
  /** A recorded NMEA log; read at open(). Either this or `text`. */
  file?: string;
  text?: string;
  clock?: Clock;
  /** 1 = as recorded; 10 = ten times faster; Infinity = as fast as the event loop allows. */
  speed?: number;
  /** Start again from the first epoch after the last. */
  loop?: boolean;
  path?: string;
}

/**
 * A recorded receiver log played back as a SerialLink. All lines of an epoch arrive
 * together, stamped with the Clock. Without `loop` the link goes quiet after the last
 * epoch (it stays open, as a receiver that fell silent would); `ended()` tells when.
 */
export class LogReplayLink extends EventEmitter<SerialLinkEvents> implements SerialLink {
  readonly path: string;
  private readonly file: string | undefined;
  private readonly text: string | undefined;
  private readonly clock: Clock;
  private readonly speed: number;
  private readonly loop: boolean;
  private epochs: ReplayEpoch[] = [];
  private next = 0;
  private cancel: Cancel | null = null;
  private running = false;
  private loops = 0;
  private finish!: () => void;
  private readonly finished = new Promise<void>((resolve) => (this.finish = resolve));

  constructor(options: LogReplayLinkOptions) {
    super();
    if ((options.file === undefined) === (options.text === undefined)) {
      throw new TypeError('LogReplayLink needs exactly one of `file` and `text`');
    }
    this.file = options.file;
    this.text = options.text;
    this.clock = options.clock ?? systemClock;
    this.speed = options.speed ?? 1;
    if (!(this.speed > 0)) throw new RangeError(`speed must be > 0, got ${this.speed}`);
    this.loop = options.loop ?? false;
    this.path = options.path ?? options.file ?? 'replay';
  }

  get isOpen(): boolean {
    return this.running;
  }

  /** Epochs in the log, after the last open(). */
  get epochCount(): number {
    return this.epochs.length;
  }

  /** Times the replay went back to the start. */
  get loopCount(): number {
    return this.loops;
  }

  /** Resolves once the last epoch of a non-looping replay has been played. */
  ended(): Promise<void> {
    return this.finished;
  }

  async open(): Promise<void> {
    if (this.running) throw new Error(`${this.path}: already open`);
    let text = this.text;
    if (text === undefined) {
      try {
        text = await readFile(this.file!, 'latin1');
      } catch (err) {
        throw new Error(`cannot read NMEA log ${this.file}: ${(err as Error).message}`, { cause: err });
      }
    }
    this.epochs = splitEpochs(text);
    this.next = 0;
    this.running = true;
    this.after(0);
  }

  async close(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.cancel?.();
    this.cancel = null;
    this.emit('close', null);
  }

  async write(): Promise<void> {
    if (!this.running) throw new Error(`${this.path}: not open`);
  }

  private after(ms: number): void {
    this.cancel = this.clock.setTimeout(() => this.play(), Number.isFinite(this.speed) ? ms / this.speed : 0);
  }

  private play(): void {
    this.cancel = null;
    const epoch = this.epochs[this.next];
    if (!epoch) return this.finish();
    const receivedAt = this.clock.now();
    for (const line of epoch.lines) {
      if (!this.running) return;
      this.emit('line', { line, receivedAt });
    }
    if (!this.running) return;
    this.next++;
    const following = this.epochs[this.next];
    if (following) return this.after(epochInterval(epoch, following));
    if (!this.loop) return this.finish();
    this.next = 0;
    this.loops++;
    this.after(1000);
  }
}
