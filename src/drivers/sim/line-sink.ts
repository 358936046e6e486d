import { closeSync, constants, fstatSync, openSync, writeSync } from 'node:fs';
import type { Cancel, Clock } from '../clock.js';

/** Where simulated receiver output goes: a tty (socat pty), a FIFO, or our stdout. */
export interface LineSink {
  write(line: string): void;
  close(): void;
  readonly dropped: number;
}

/**
 * Our stdout. A reader that goes away (`simulate | head`) is an EPIPE error event on the
 * stream: counted, reported once through `onGone`, and the rest dropped.
 */
export class StreamSink implements LineSink {
  private lost = 0;
  private gone = false;
  private readonly onError = () => {
    if (this.gone) return;
    this.gone = true;
    this.onGone();
  };

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly onGone: () => void = () => undefined,
  ) {
    out.on('error', this.onError);
  }

  get dropped(): number {
    return this.lost;
  }

  write(line: string): void {
    if (this.gone) {
      this.lost++;
      return;
    }
    this.out.write(`${line}\r\n`);
  }

  close(): void {
    this.out.off('error', this.onError);
  }
}

/** open(2) without O_CREAT: a missing pty must fail, not become a regular file. */
function openDevice(path: string): number {
  const fd = openSync(path, constants.O_WRONLY | constants.O_NOCTTY | constants.O_NONBLOCK);
  const st = fstatSync(fd);
  if (!st.isCharacterDevice() && !st.isFIFO()) {
    closeSync(fd);
    throw new Error(`${path} is not a terminal or FIFO (redirect stdout to record to a file)`);
  }
  return fd;
}

/**
 * A serial line has no flow control from the receiver's point of view: non-blocking
 * writes, and a line that does not fit (nobody reading the other end) is dropped and
 * counted, as the bytes would be lost on a real UART. When the device goes away (the pty
 * pair was torn down), it is reopened every second until it is back.
 */
export class DeviceSink implements LineSink {
  private fd: number | null;
  private lost = 0;
  private cancelRetry: Cancel | null = null;

  /** Throws when `path` cannot be opened now. */
  constructor(
    readonly path: string,
    private readonly clock: Clock,
    private readonly report: (message: string) => void,
  ) {
    this.fd = openDevice(path);
  }

  get dropped(): number {
    return this.lost;
  }

  write(line: string): void {
    if (this.fd === null) {
      this.lost++;
      return;
    }
    try {
      writeSync(this.fd, Buffer.from(`${line}\r\n`, 'latin1'));
    } catch (err) {
      this.lost++;
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return;
      this.report(`${this.path}: ${(err as Error).message}; reopening every second`);
      this.release();
      this.retry();
    }
  }

  close(): void {
    this.cancelRetry?.();
    this.cancelRetry = null;
    this.release();
  }

  private release(): void {
    if (this.fd === null) return;
    try {
      closeSync(this.fd);
    } catch {
      // already gone with the device
    }
    this.fd = null;
  }

  private retry(): void {
    this.cancelRetry = this.clock.setTimeout(() => {
      this.cancelRetry = null;
      try {
        this.fd = openDevice(this.path);
        this.report(`${this.path}: reopened`);
      } catch {
        this.retry();
      }
    }, 1000);
  }
}
