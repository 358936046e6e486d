import { EventEmitter } from 'node:events';
import { readSync } from 'node:fs';
import type { Cancel, Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { GpioChipAccess } from '../native/gpio-chardev.js';
import { lineEventLayout } from '../native/gpio-uapi.js';
import { decodeGpioEdges } from './gpio-event-decoder.js';
import { findGpioLine, RASPBERRY_PI_GPIO_LABELS, type FoundLine } from './gpio-line-finder.js';
import type { PpsSource, PpsSourceEvents } from './pps-source.js';

export interface GpioPpsSourceOptions {
  access: GpioChipAccess;
  /** Device-tree line name, e.g. "GPIO18" (BCM numbering, as `dtoverlay=pps-gpio,gpiopin=18`). */
  lineName: string;
  chipLabels?: readonly string[];
  clock?: Clock;
  /**
   * How often the line fd is drained. The timestamp is the kernel's, taken in the IRQ
   * handler, so this delays delivery only, never the time. Default 50 ms.
   */
  pollIntervalMs?: number;
  /** Consumer name the kernel shows for the line (gpioinfo). Default "stratum1d". */
  consumer?: string;
  /** Kernel-side event queue; at 1 Hz a handful suffices. Default 16. */
  eventBufferSize?: number;
}

export interface GpioPpsCounters {
  reads: number;
  edges: number;
  ignored: number;
  partialBytes: number;
}

const READ_RECORDS = 16;

/**
 * PPS from a GPIO line through the character device (GPIO v2 uAPI), for kernels without
 * `pps-gpio`. Node cannot watch a foreign fd, and koffi's async calls would park a libuv
 * pool thread in read(2), so the non-blocking line fd is drained on a short timer.
 */
export class GpioPpsSource extends EventEmitter<PpsSourceEvents> implements PpsSource {
  readonly counters: GpioPpsCounters = { reads: 0, edges: 0, ignored: 0, partialBytes: 0 };
  readonly #o: Required<Omit<GpioPpsSourceOptions, 'chipLabels'>> & { chipLabels: readonly string[] };
  readonly #buf = Buffer.alloc(lineEventLayout.size * READ_RECORDS);
  #fd = -1;
  #line: FoundLine | null = null;
  #cancel: Cancel | null = null;

  constructor(options: GpioPpsSourceOptions) {
    super();
    this.#o = {
      access: options.access,
      lineName: options.lineName,
      chipLabels: options.chipLabels ?? RASPBERRY_PI_GPIO_LABELS,
      clock: options.clock ?? systemClock,
      pollIntervalMs: options.pollIntervalMs ?? 50,
      consumer: options.consumer ?? 'stratum1d',
      eventBufferSize: options.eventBufferSize ?? 16,
    };
  }

  /** `gpio:GPIO18` until opened, then the chip and offset it resolved to. */
  get path(): string {
    const l = this.#line;
    return l ? `${l.chip}:${l.offset} (${l.name}, ${l.label})` : `gpio:${this.#o.lineName}`;
  }

  get line(): FoundLine | null {
    return this.#line;
  }

  async open(): Promise<void> {
    if (this.#fd >= 0) throw new Error(`${this.path}: already open`);
    const found = findGpioLine(this.#o.access, { lineName: this.#o.lineName, chipLabels: this.#o.chipLabels });
    if (!found.ok) throw new Error(found.reason);
    this.#fd = this.#o.access.requestEdges(found.line.chip, {
      offset: found.line.offset,
      consumer: this.#o.consumer,
      eventBufferSize: this.#o.eventBufferSize,
    });
    this.#line = found.line;
    this.#schedule();
  }

  async close(): Promise<void> {
    if (this.#fd < 0) return;
    this.#shut();
    this.emit('close', null);
  }

  /** Reads what is queued now (the timer calls it; tests may too). */
  drain(): void {
    while (this.#fd >= 0) {
      let n: number;
      try {
        n = readSync(this.#fd, this.#buf, 0, this.#buf.length, null);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return;
        if (code === 'EINTR') continue;
        this.#shut();
        this.emit('close', err as Error);
        return;
      }
      if (n === 0) return; // a FIFO with no writer (the simulator); a line fd never returns 0
      this.counters.reads++;
      const got = decodeGpioEdges(this.#buf, n, this.#line?.offset ?? -1);
      this.counters.ignored += got.ignored;
      this.counters.partialBytes += got.partialBytes;
      for (const edge of got.edges) {
        this.counters.edges++;
        this.emit('edge', edge);
      }
    }
  }

  #schedule(): void {
    this.#cancel = this.#o.clock.setTimeout(() => {
      this.#cancel = null;
      this.drain();
      if (this.#fd >= 0) this.#schedule();
    }, this.#o.pollIntervalMs);
  }

  #shut(): void {
    this.#cancel?.();
    this.#cancel = null;
    const fd = this.#fd;
    this.#fd = -1;
    try {
      this.#o.access.release(fd);
    } catch {
      // Already gone (the device was unbound): nothing left to release.
    }
  }
}
