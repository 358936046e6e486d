import { closeSync, constants as fsc, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { allocNative, koffi, libcFunction } from './libc.js';
import { NativeError } from './native-error.js';
import {
  decodeChipInfo,
  decodeLineInfo,
  encodeEdgeRequest,
  encodeLineInfoQuery,
  GPIO_GET_CHIPINFO_IOCTL,
  GPIO_V2_GET_LINE_IOCTL,
  GPIO_V2_GET_LINEINFO_IOCTL,
  gpiochipInfoLayout,
  lineInfoLayout,
  lineRequestLayout,
  requestFd,
  type ChipInfo,
  type EdgeRequest,
  type LineInfo,
} from './gpio-uapi.js';

/**
 * What the GPIO PPS source needs from the GPIO character devices. The real one below talks
 * to /dev/gpiochipN through ioctls; tests use a fake with the same shape whose line fd is a
 * FIFO carrying records in the kernel's binary layout (src/drivers/sim/gpio-event-writer.ts).
 */
export interface GpioChipAccess {
  /** Chip device paths, in name order. */
  listChips(): string[];
  chipInfo(chip: string): ChipInfo;
  lineInfo(chip: string, offset: number): LineInfo;
  /** Requests edge events on one line; returns a non-blocking fd that yields gpio_v2_line_event records. */
  requestEdges(chip: string, req: EdgeRequest): number;
  /** Releases a line fd from requestEdges. */
  release(fd: number): void;
}

// <asm-generic/fcntl.h>, the same on x86, arm and arm64; checked against the headers in the test.
export const F_GETFL = 3;
export const F_SETFL = 4;
export const O_NONBLOCK = 0o4000;

type Ioctl = (fd: number, request: number, ...varargs: unknown[]) => number;
type Fcntl = (fd: number, cmd: number, ...varargs: unknown[]) => number;

/** ioctl(2) and fcntl(2) are variadic in C; koffi is told so, and each call names its argument type. */
const ioctl = (): Ioctl => libcFunction<Ioctl>('int ioctl(int fd, unsigned long request, ...)');
const fcntl = (): Fcntl => libcFunction<Fcntl>('int fcntl(int fd, int cmd, ...)');

/** Runs `fn` with the chip open read-write (the v2 ioctls need no more), closing it after. */
function withChip<T>(chip: string, fn: (fd: number) => T): T {
  const fd = openSync(chip, fsc.O_RDWR);
  try {
    return fn(fd);
  } finally {
    closeSync(fd);
  }
}

/** One ioctl with a struct in native memory (the kernel reads and writes it in place). */
function ioctlStruct(fd: number, request: number, size: number, name: string, path: string, fill?: (b: Uint8Array) => void): Uint8Array {
  const block = allocNative(size);
  try {
    block.bytes.fill(0);
    fill?.(block.bytes);
    if (ioctl()(fd, request, 'void *', block.pointer) < 0) throw new NativeError(name, koffi().errno(), path);
    return Uint8Array.from(block.bytes);
  } finally {
    block.free();
  }
}

export class GpioChardev implements GpioChipAccess {
  /** `devDir` is injectable for tests that want to see discovery run over an empty or odd /dev. */
  constructor(private readonly devDir = '/dev') {}

  listChips(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.devDir).filter((n) => /^gpiochip\d+$/.test(n));
    } catch {
      return [];
    }
    const num = (n: string): number => Number(n.slice('gpiochip'.length));
    return names.sort((a, b) => num(a) - num(b)).map((n) => join(this.devDir, n));
  }

  chipInfo(chip: string): ChipInfo {
    return withChip(chip, (fd) => decodeChipInfo(ioctlStruct(fd, GPIO_GET_CHIPINFO_IOCTL, gpiochipInfoLayout.size, 'GPIO_GET_CHIPINFO_IOCTL', chip)));
  }

  lineInfo(chip: string, offset: number): LineInfo {
    return withChip(chip, (fd) =>
      decodeLineInfo(
        ioctlStruct(fd, GPIO_V2_GET_LINEINFO_IOCTL, lineInfoLayout.size, 'GPIO_V2_GET_LINEINFO_IOCTL', chip, (b) => encodeLineInfoQuery(b, offset)),
      ),
    );
  }

  requestEdges(chip: string, req: EdgeRequest): number {
    // The line fd outlives the chip fd: the kernel holds its own reference to the chip.
    const lineFd = withChip(chip, (fd) =>
      requestFd(ioctlStruct(fd, GPIO_V2_GET_LINE_IOCTL, lineRequestLayout.size, 'GPIO_V2_GET_LINE_IOCTL', chip, (b) => encodeEdgeRequest(b, req))),
    );
    try {
      setNonBlocking(lineFd, chip);
    } catch (err) {
      closeSync(lineFd);
      throw err;
    }
    return lineFd;
  }

  release(fd: number): void {
    closeSync(fd);
  }
}

/**
 * The kernel creates the line fd blocking (O_RDONLY | O_CLOEXEC); with O_NONBLOCK set, read(2)
 * returns EAGAIN when no event is queued (gpiolib-cdev.c linereq_read), so a timer can drain
 * it from the event loop without parking a libuv thread in read.
 */
export function setNonBlocking(fd: number, path: string): void {
  const f = fcntl();
  const flags = f(fd, F_GETFL);
  if (flags < 0) throw new NativeError('fcntl(F_GETFL)', koffi().errno(), path);
  if (f(fd, F_SETFL, 'int', flags | O_NONBLOCK) < 0) throw new NativeError('fcntl(F_SETFL)', koffi().errno(), path);
}
