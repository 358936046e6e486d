import { execFileSync } from 'node:child_process';
import { closeSync, constants as fsc, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { GpioChipAccess } from '../native/gpio-chardev.js';
import {
  encodeEdgeRequest,
  encodeLineEvent,
  GPIO_V2_LINE_EVENT_RISING_EDGE,
  GPIO_V2_LINE_FLAG,
  lineRequestLayout,
  type ChipInfo,
  type EdgeRequest,
  type LineInfo,
} from '../native/gpio-uapi.js';
import type { PpsEdge, PpsSource } from '../pps/pps-source.js';

export interface FakeChip {
  path: string; // "/dev/gpiochip0": a name only, never opened
  label: string;
  /** Line names by offset ("" for unnamed lines). */
  lines: string[];
  /** Offsets already held, with their consumer (e.g. pps-gpio owning GPIO18). */
  used?: Record<number, string>;
}

interface Requested {
  chip: string;
  offset: number;
  readFd: number;
  writeFd: number;
  fifo: string;
  /** The request in the kernel's binary layout, as the real driver would pass it. */
  bytes: Uint8Array;
  lineSeqno: number;
}

/**
 * GPIO chips without hardware, on the same interface as GpioChardev. A requested line is a
 * FIFO opened non-blocking: the source reads it with the same read(2) path as a real line
 * fd, and `edge()` writes gpio_v2_line_event records in the kernel's binary layout, so the
 * real decoder is what runs. 48-byte writes are below PIPE_BUF, hence atomic, as the
 * kernel's whole-record reads are.
 */
export class FakeGpioChips implements GpioChipAccess {
  readonly requests: Requested[] = [];
  #seqno = 0;

  constructor(
    private readonly chips: FakeChip[],
    private readonly fifoDir: string,
  ) {
    mkdirSync(fifoDir, { recursive: true });
  }

  listChips(): string[] {
    return this.chips.map((c) => c.path);
  }

  chipInfo(chip: string): ChipInfo {
    const c = this.#chip(chip);
    return { name: c.path.split('/').pop() ?? c.path, label: c.label, lines: c.lines.length };
  }

  lineInfo(chip: string, offset: number): LineInfo {
    const c = this.#chip(chip);
    const consumer = c.used?.[offset] ?? '';
    return { name: c.lines[offset] ?? '', consumer, offset, flags: consumer ? GPIO_V2_LINE_FLAG.USED : 0n };
  }

  requestEdges(chip: string, req: EdgeRequest): number {
    const c = this.#chip(chip);
    if (c.used?.[req.offset]) throw Object.assign(new Error(`GPIO_V2_GET_LINE_IOCTL ${chip}: EBUSY`), { code: 'EBUSY' });
    const bytes = new Uint8Array(lineRequestLayout.size);
    encodeEdgeRequest(bytes, req);
    const fifo = join(this.fifoDir, `line-${this.requests.length}`);
    execFileSync('mkfifo', [fifo]);
    const readFd = openSync(fifo, fsc.O_RDONLY | fsc.O_NONBLOCK);
    const writeFd = openSync(fifo, fsc.O_WRONLY | fsc.O_NONBLOCK);
    this.requests.push({ chip, offset: req.offset, readFd, writeFd, fifo, bytes, lineSeqno: 0 });
    return readFd;
  }

  release(fd: number): void {
    const r = this.requests.find((q) => q.readFd === fd);
    if (!r) throw new Error(`release: fd ${fd} was not requested here`);
    closeSync(r.readFd);
    closeSync(r.writeFd);
    rmSync(r.fifo, { force: true });
    r.readFd = r.writeFd = -1;
  }

  /** The kernel's view of one rising edge on the latest requested line. */
  edge(e: { sec: number; nsec: number }, opts: { id?: number; offset?: number; lineSeqnoStep?: number } = {}): void {
    const r = this.#active();
    r.lineSeqno += opts.lineSeqnoStep ?? 1;
    this.#seqno += opts.lineSeqnoStep ?? 1;
    const rec = encodeLineEvent({
      timestampNs: BigInt(e.sec) * 1_000_000_000n + BigInt(e.nsec),
      id: opts.id ?? GPIO_V2_LINE_EVENT_RISING_EDGE,
      offset: opts.offset ?? r.offset,
      seqno: this.#seqno,
      lineSeqno: r.lineSeqno,
    });
    writeSync(r.writeFd, rec);
  }

  /** Raw bytes onto the line, for tests of torn or foreign records. */
  writeRaw(bytes: Uint8Array): void {
    writeSync(this.#active().writeFd, bytes);
  }

  /** Forwards every edge of a simulated PPS as kernel records; returns the detach. */
  follow(pps: PpsSource): () => void {
    const onEdge = (e: PpsEdge): void => this.edge(e);
    pps.on('edge', onEdge);
    return () => pps.off('edge', onEdge);
  }

  #active(): Requested {
    const r = [...this.requests].reverse().find((q) => q.writeFd >= 0);
    if (!r) throw new Error('no line requested');
    return r;
  }

  #chip(path: string): FakeChip {
    const c = this.chips.find((x) => x.path === path);
    if (!c) throw Object.assign(new Error(`open ${path}: ENOENT`), { code: 'ENOENT' });
    return c;
  }
}
