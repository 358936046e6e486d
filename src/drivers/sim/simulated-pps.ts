import { EventEmitter } from 'node:events';
import type { Cancel, Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { PpsEdge, PpsSource, PpsSourceEvents } from '../pps/pps-source.js';
import { nextBoundary } from './sim-schedule.js';

export interface SimulatedPpsOptions {
  clock?: Clock;
  /** Each edge is off the top of the second by a uniform draw in ±jitterNs. Default 0. */
  jitterNs?: number;
  /** A constant offset of every edge (cable delay, a receiver's quantisation bias). Default 0. */
  offsetNs?: number;
  /** Uniform [0, 1); seededRandom() for reproducible jitter. Default Math.random. */
  random?: () => number;
  path?: string;
}

/**
 * How a pulse goes missing:
 * - 'not-sent': the receiver skipped it (no fix, antenna fault): the kernel sees no
 *   edge and its sequence number does not move;
 * - 'not-read': the edge happened but the reader missed it (sysfs is polled): the next
 *   edge read shows a gap in the sequence numbers.
 */
export type PpsDrop = 'not-sent' | 'not-read';

/** A PPS line without hardware: an edge at every top of second of the Clock. */
export class SimulatedPps extends EventEmitter<PpsSourceEvents> implements PpsSource {
  readonly path: string;
  private readonly clock: Clock;
  private readonly jitterNs: number;
  private readonly offsetNs: number;
  private readonly random: () => number;
  private seq = 0;
  private lastBoundary: number | null = null;
  private cancel: Cancel | null = null;
  private drops: PpsDrop[] = [];

  constructor(options: SimulatedPpsOptions = {}) {
    super();
    this.clock = options.clock ?? systemClock;
    this.jitterNs = options.jitterNs ?? 0;
    this.offsetNs = options.offsetNs ?? 0;
    this.random = options.random ?? Math.random;
    this.path = options.path ?? 'simulated-pps';
  }

  get isOpen(): boolean {
    return this.cancel !== null;
  }

  /** The kernel's assert counter: pulses that happened, read or not. */
  get sequence(): number {
    return this.seq;
  }

  async open(): Promise<void> {
    if (this.cancel) throw new Error(`${this.path}: already open`);
    this.schedule();
  }

  async close(): Promise<void> {
    if (!this.cancel) return;
    this.cancel();
    this.cancel = null;
    this.emit('close', null);
  }

  /** Loses the next `count` pulses in the given way. */
  dropNext(count: number, how: PpsDrop = 'not-sent'): void {
    for (let i = 0; i < count; i++) this.drops.push(how);
  }

  private schedule(): void {
    const now = this.clock.now();
    // The edge event is raised just after the top of the second, as a poller would see it.
    const boundary = nextBoundary(now, 1000, 0, this.lastBoundary);
    this.cancel = this.clock.setTimeout(() => this.pulse(boundary), boundary - now);
  }

  private pulse(boundary: number): void {
    this.lastBoundary = boundary;
    const drop = this.drops.shift();
    if (drop !== 'not-sent') this.seq++;
    this.schedule();
    if (drop === undefined) this.emit('edge', this.edgeAt(boundary));
  }

  private edgeAt(boundaryMs: number): PpsEdge {
    const jitter = this.jitterNs === 0 ? 0 : Math.round((this.random() * 2 - 1) * this.jitterNs);
    const ns = BigInt(boundaryMs) * 1_000_000n + BigInt(Math.round(this.offsetNs + jitter));
    const sec = ns / 1_000_000_000n;
    const nsec = ns - sec * 1_000_000_000n;
    return { sec: Number(sec), nsec: Number(nsec), seq: this.seq };
  }
}
