import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cancel, Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { PpsSource, PpsSourceEvents } from './pps-source.js';
import { findKernelPps, parseAssert, SYSFS_PPS_ROOT, type KernelPpsDevice } from './sysfs-pps.js';

export interface SysfsPpsSourceOptions {
  /** `auto` (the pps-gpio source), `ppsN`, `/dev/ppsN` or a source name. Default `auto`. */
  device?: string;
  /** Default /sys/class/pps; tests point it at a directory the simulator writes. */
  root?: string;
  clock?: Clock;
  /**
   * How often `assert` is re-read. sysfs attribute readers are not woken on change, so this
   * bounds how late an edge is noticed (the timestamp itself is the kernel's). Default 100 ms.
   */
  pollIntervalMs?: number;
  /** While the device is lost, how often to look for it again. Default 1000 ms. */
  rediscoverMs?: number;
}

export interface SysfsPpsCounters {
  reads: number;
  edges: number;
  malformed: number;
  lost: number;
}

/**
 * Monitors a kernel PPS source through sysfs, for health and statistics only: chronyd reads
 * /dev/ppsN itself for the time. If the device disappears (module reload, overlay change) it
 * is looked for again by name, since ppsN may come back under another number.
 */
export class SysfsPpsSource extends EventEmitter<PpsSourceEvents> implements PpsSource {
  readonly counters: SysfsPpsCounters = { reads: 0, edges: 0, malformed: 0, lost: 0 };
  readonly #want: string;
  readonly #root: string;
  readonly #clock: Clock;
  readonly #pollMs: number;
  readonly #rediscoverMs: number;
  #device: KernelPpsDevice | null = null;
  #lastSeq: number | null = null;
  #lastText = '';
  #cancel: Cancel | null = null;
  #open = false;

  constructor(options: SysfsPpsSourceOptions = {}) {
    super();
    this.#want = options.device ?? 'auto';
    this.#root = options.root ?? SYSFS_PPS_ROOT;
    this.#clock = options.clock ?? systemClock;
    this.#pollMs = options.pollIntervalMs ?? 100;
    this.#rediscoverMs = options.rediscoverMs ?? 1000;
  }

  get path(): string {
    return this.#device ? `${this.#device.device} (${this.#device.name || 'unnamed'})` : `kernel-pps:${this.#want}`;
  }

  /** The kernel PPS device followed now; null while lost. */
  get device(): KernelPpsDevice | null {
    return this.#device;
  }

  /** Fails if the device cannot be found now: startup is where a wrong setup should show. */
  async open(): Promise<void> {
    if (this.#open) throw new Error(`${this.path}: already open`);
    const found = findKernelPps(this.#want, this.#root);
    if (!found.ok) throw new Error(found.reason);
    this.#open = true;
    this.#attach(found.device);
    this.#schedule(this.#pollMs);
  }

  async close(): Promise<void> {
    if (!this.#open) return;
    this.#open = false;
    this.#cancel?.();
    this.#cancel = null;
    this.emit('close', null);
  }

  /** One poll: reads `assert` (or looks for the device while lost). The timer calls it. */
  poll(): void {
    if (!this.#open) return;
    if (!this.#device) {
      const found = findKernelPps(this.#want, this.#root);
      if (found.ok) this.#attach(found.device);
      return;
    }
    let text: string;
    try {
      text = readFileSync(join(this.#device.dir, 'assert'), 'utf8');
    } catch (err) {
      this.counters.lost++;
      const lost = this.#device.device;
      this.#device = null;
      this.emit('link', { up: false, device: null, detail: `${lost}: ${(err as Error).message}` });
      return;
    }
    this.counters.reads++;
    if (text === this.#lastText) return;
    this.#lastText = text;
    const r = parseAssert(text);
    if (r.kind === 'malformed') {
      this.counters.malformed++;
      return;
    }
    if (r.kind === 'none' || r.edge.seq === this.#lastSeq) return;
    this.#lastSeq = r.edge.seq;
    this.counters.edges++;
    this.emit('edge', r.edge);
  }

  /** Starts following `device`; its current assert is the baseline, not a new edge. */
  #attach(device: KernelPpsDevice): void {
    this.#device = device;
    let text = '';
    try {
      text = readFileSync(join(device.dir, 'assert'), 'utf8');
    } catch {
      // Read again at the next poll; a vanished device is handled there.
    }
    this.#lastText = text;
    const r = parseAssert(text);
    this.#lastSeq = r.kind === 'edge' ? r.edge.seq : null;
    this.emit('link', { up: true, device: device.device, detail: `${device.id} "${device.name}"` });
  }

  #schedule(ms: number): void {
    this.#cancel = this.#clock.setTimeout(() => {
      this.#cancel = null;
      this.poll();
      if (this.#open) this.#schedule(this.#device ? this.#pollMs : this.#rediscoverMs);
    }, ms);
  }
}
