/** One PPS edge as the kernel (or the simulator) timestamped it. */
export interface PpsEdge {
  /** Assert time, wall clock, as seconds and nanoseconds (kernel `struct timespec`). */
  sec: number;
  nsec: number;
  /** The kernel's assert sequence number; gaps are missed pulses. */
  seq: number;
}

/** A source that finds its device itself (sysfs) says when it loses or regains it. */
export interface PpsLinkChange {
  up: boolean;
  /** The device now followed, e.g. `/dev/pps1`; null while lost. */
  device: string | null;
  /** Why it is down, or what was found. */
  detail: string | null;
}

export interface PpsSourceEvents {
  edge: [PpsEdge];
  close: [Error | null];
  /** Optional: sources that re-discover their device emit it; others never do. */
  link: [PpsLinkChange];
}

/** A PPS line: kernel PPS (sysfs), a GPIO character device, or the simulator. */
export interface PpsSource {
  readonly path: string;
  open(): Promise<void>;
  close(): Promise<void>;
  on<E extends keyof PpsSourceEvents>(event: E, listener: (...args: PpsSourceEvents[E]) => void): this;
  off<E extends keyof PpsSourceEvents>(event: E, listener: (...args: PpsSourceEvents[E]) => void): this;
}
