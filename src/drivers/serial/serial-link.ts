/**
 * The GNSS receiver's byte stream, cut into lines. Implemented by the serialport driver
 * (a real tty or a socat pty) and by the simulator, so the daemon cannot tell them apart.
 */
export interface LineSample {
  /** One line without its terminator; may be garbage (the decoder decides). */
  line: string;
  /** Wall-clock ms (Date.now()) when the chunk holding the line's first byte arrived. */
  receivedAt: number;
}

export interface SerialLinkEvents {
  line: [LineSample];
  /** The link went away (device unplugged, read error); `open()` may be tried again. */
  close: [Error | null];
}

export interface SerialLink {
  /** What the link reads from, for status lines: `/dev/ttyAMA0`, `simulator`. */
  readonly path: string;
  /** Rejects when the device is missing or busy; the caller retries with backoff. */
  open(): Promise<void>;
  close(): Promise<void>;
  write(data: string): Promise<void>;
  on<E extends keyof SerialLinkEvents>(event: E, listener: (...args: SerialLinkEvents[E]) => void): this;
  off<E extends keyof SerialLinkEvents>(event: E, listener: (...args: SerialLinkEvents[E]) => void): this;
}
