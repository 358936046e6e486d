/** One PPS edge as the kernel (or the simulator) timestamped it. */
export interface PpsEdge {
  /** Assert time, wall clock, as seconds and nanoseconds (kernel `struct timespec`). */
  sec: number;
  nsec: number;
  /** The kernel's assert sequence number; gaps are missed pulses. */
  seq: number;
}

export interface PpsSourceEvents {
  edge: [PpsEdge];
  close: [Error | null];
}

/** A PPS line: kernel PPS (sysfs), a GPIO character device, or the simulator. */
export interface PpsSource {
  readonly path: string;
  open(): Promise<void>;
  close(): Promise<void>;
  on<E extends keyof PpsSourceEvents>(event: E, listener: (...args: PpsSourceEvents[E]) => void): this;
  off<E extends keyof PpsSourceEvents>(event: E, listener: (...args: PpsSourceEvents[E]) => void): this;
}
