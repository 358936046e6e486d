/**
 * Plain facts about the host and this process that /health and /metrics judge: the disk
 * holding the state directory, memory against the limit that will actually kill us, the event
 * loop's delay, and process figures. The values are gathered by runtime-probe.ts; the builders
 * (health.ts, metrics.ts) take them as plain data so they are tested without a host.
 */
export type DiskFacts =
  | { path: string; availBytes: number; sizeBytes: number; error?: undefined }
  | { path: string; error: string };

export interface MemoryFacts {
  rssBytes: number;
  /** The cgroup's memory.max (systemd's MemoryMax=) when one applies, else the machine's RAM. */
  limitBytes: number;
  limitSource: 'cgroup' | 'system';
}

/** Event-loop delay over the last completed window (perf_hooks.monitorEventLoopDelay), ms. */
export interface EventLoopFacts {
  meanMs: number;
  p99Ms: number;
  maxMs: number;
  windowS: number;
}

export interface ProcessFacts {
  heapUsedBytes: number;
  heapTotalBytes: number;
  externalBytes: number;
  cpuUserS: number;
  cpuSystemS: number;
  startTimeS: number; // Unix seconds
  openFds: number | null;
  maxFds: number | null;
}

export interface HostFacts {
  disk: DiskFacts;
  memory: MemoryFacts;
  eventLoop: EventLoopFacts | null; // null before the first window completes
  process: ProcessFacts;
}
