import { EventEmitter } from 'node:events';
import type { Cancel, Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { SerialLink, SerialLinkEvents } from '../serial/serial-link.js';
import { NmeaGenerator } from './nmea-generator.js';
import type { NmeaGeneratorOptions } from './nmea-generator.js';
import { checkRate, lineTimeMs, nextBoundary } from './sim-schedule.js';

export interface SimulatedGnssLinkOptions {
  /** The system clock in production: then the time labels are true UTC as far as this host knows. */
  clock?: Clock;
  /** A generator, or options for a new one. */
  generator?: NmeaGenerator | Partial<NmeaGeneratorOptions>;
  /** Navigation rate: 1, 2, 4, 5, 8 or 10 Hz. Default 1. */
  rateHz?: number;
  /**
   * Delay from the labelled instant to the first byte of the epoch. Receivers compute
   * the solution after the measurement epoch: a u-blox M8 at 9600 baud starts RMC some
   * 100-150 ms after the second it labels. Default 120.
   */
  latencyMs?: number;
  /** Spaces the lines as the bytes would take on the wire. Default 9600. */
  baudRate?: number;
  path?: string;
}

export interface SimulatedGnssStats {
  epochs: number;
  lines: number;
  /** Epochs not sent because the previous one was still on the wire (baud rate too low for the rate). */
  epochsDropped: number;
}

/**
 * A GNSS receiver without hardware: each epoch's sentences, labelled with the boundary
 * they describe, start `latencyMs` after it and follow each other at the baud rate.
 */
export class SimulatedGnssLink extends EventEmitter<SerialLinkEvents> implements SerialLink {
  readonly path: string;
  readonly generator: NmeaGenerator;
  readonly rateHz: number;
  readonly latencyMs: number;
  readonly baudRate: number;
  /** What the daemon wrote to the receiver (configuration commands), newest last, bounded. */
  readonly written: string[] = [];
  private readonly clock: Clock;
  private readonly periodMs: number;
  private running = false;
  private present = true;
  private startMonoNs = 0n;
  private lastBoundary: number | null = null;
  private queue: string[] = [];
  /**
   * When the line being sent was due, on the monotonic axis (ms): the next one is due a
   * line-time later however late this timer ran, and whatever the wall clock does.
   */
  private lineDueMono = 0;
  private cancelEpoch: Cancel | null = null;
  private cancelLine: Cancel | null = null;
  private readonly counters: SimulatedGnssStats = { epochs: 0, lines: 0, epochsDropped: 0 };

  constructor(options: SimulatedGnssLinkOptions = {}) {
    super();
    this.clock = options.clock ?? systemClock;
    const g = options.generator;
    this.generator = g instanceof NmeaGenerator ? g : new NmeaGenerator(g);
    this.rateHz = options.rateHz ?? 1;
    this.periodMs = checkRate(this.rateHz);
    this.latencyMs = options.latencyMs ?? 120;
    if (!(this.latencyMs >= 0 && this.latencyMs < 1000)) throw new RangeError(`latencyMs must be in [0, 1000), got ${this.latencyMs}`);
    this.baudRate = options.baudRate ?? 9600;
    if (!(this.baudRate > 0)) throw new RangeError(`baudRate must be > 0, got ${this.baudRate}`);
    this.path = options.path ?? 'simulator';
  }

  get isOpen(): boolean {
    return this.running;
  }

  stats(): SimulatedGnssStats {
    return { ...this.counters };
  }

  async open(): Promise<void> {
    if (!this.present) throw new Error(`cannot open GNSS serial port ${this.path}: device not present (unplugged)`);
    if (this.running) throw new Error(`${this.path}: already open`);
    this.running = true;
    this.startMonoNs = this.clock.monoNs();
    this.lastBoundary = null;
    this.scheduleEpoch();
  }

  async close(): Promise<void> {
    if (!this.running) return;
    this.stop();
    this.emit('close', null);
  }

  async write(data: string): Promise<void> {
    if (!this.running) throw new Error(`${this.path}: not open`);
    this.written.push(data);
    if (this.written.length > 100) this.written.shift();
  }

  /** The USB receiver is pulled out: the link closes with an error and open() fails until replug(). */
  unplug(): void {
    this.present = false;
    if (!this.running) return;
    this.stop();
    this.emit('close', new Error(`${this.path}: device went away (simulated unplug)`));
  }

  replug(): void {
    this.present = true;
  }

  private stop(): void {
    this.running = false;
    this.cancelEpoch?.();
    this.cancelLine?.();
    this.cancelEpoch = this.cancelLine = null;
    this.queue = [];
  }

  private scheduleEpoch(): void {
    const now = this.clock.now();
    const boundary = nextBoundary(now, this.periodMs, this.latencyMs, this.lastBoundary);
    this.cancelEpoch = this.clock.setTimeout(() => this.playEpoch(boundary), boundary + this.latencyMs - now);
  }

  private playEpoch(scheduled: number): void {
    this.cancelEpoch = null;
    // The wall clock was stepped while we waited: label with the boundary it is now.
    const now = this.clock.now();
    const stepped = Math.abs(now - (scheduled + this.latencyMs)) > this.periodMs;
    const boundary = stepped ? Math.floor((now - this.latencyMs) / this.periodMs) * this.periodMs : scheduled;
    this.lastBoundary = boundary;
    if (this.queue.length > 0) {
      // Like a receiver whose transmit buffer is full: the new epoch is lost, not queued.
      this.counters.epochsDropped++;
    } else {
      // Schedules (fix outages) are about the instant the epoch describes, not when it is sent.
      const elapsedMs = Number(this.clock.monoNs() - this.startMonoNs) / 1e6 - (now - boundary);
      this.queue = this.generator.epoch(boundary, elapsedMs);
      this.counters.epochs++;
      this.lineDueMono = this.monoMs();
      this.sendNextLine();
    }
    if (this.running) this.scheduleEpoch();
  }

  private monoMs(): number {
    return Number(this.clock.monoNs()) / 1e6;
  }

  private sendNextLine(): void {
    this.cancelLine = null;
    const line = this.queue.shift();
    if (line === undefined || !this.running) return;
    this.counters.lines++;
    this.emit('line', { line, receivedAt: this.clock.now() });
    // A listener may have closed the link while handling the line.
    if (this.running && this.queue.length > 0) {
      this.lineDueMono += lineTimeMs(line, this.baudRate);
      this.cancelLine = this.clock.setTimeout(() => this.sendNextLine(), this.lineDueMono - this.monoMs());
    }
  }
}
