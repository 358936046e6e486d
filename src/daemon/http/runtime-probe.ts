import { readdirSync, readFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import type { DiskFacts, EventLoopFacts, HostFacts, MemoryFacts, ProcessFacts } from './host-facts.js';

/**
 * Gathers HostFacts. The event-loop histogram is read and reset every `windowS` seconds, so
 * /health judges the last complete window (a stall an hour ago does not count forever, and a
 * scrape never sees a window of a few milliseconds). The memory limit is the one that will
 * kill us: cgroup v2 `memory.max` (systemd's MemoryMax=), cgroup v1 `memory.limit_in_bytes`,
 * else the machine's RAM. Read once at start: the unit's limit does not change under us.
 */
export class RuntimeProbe {
  readonly #histogram: IntervalHistogram;
  readonly #timer: NodeJS.Timeout;
  readonly #memoryLimit: { bytes: number; source: 'cgroup' | 'system' };
  readonly #maxFds: number | null;
  #last: EventLoopFacts | null = null;

  constructor(
    private readonly stateDir: string,
    private readonly windowS = 10,
  ) {
    this.#histogram = monitorEventLoopDelay({ resolution: 10 });
    this.#histogram.enable();
    this.#timer = setInterval(() => this.#rotate(), windowS * 1000);
    this.#timer.unref();
    this.#memoryLimit = memoryLimit();
    this.#maxFds = maxFds();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#histogram.disable();
  }

  async facts(): Promise<HostFacts> {
    return { disk: await diskFacts(this.stateDir), memory: this.#memory(), eventLoop: this.#last, process: this.#process() };
  }

  #rotate(): void {
    const h = this.#histogram;
    // The histogram is in nanoseconds; an empty window (count 0) reports NaN/huge values.
    this.#last = h.count > 0 ? { meanMs: h.mean / 1e6, p99Ms: h.percentile(99) / 1e6, maxMs: h.max / 1e6, windowS: this.windowS } : this.#last;
    h.reset();
  }

  #memory(): MemoryFacts {
    return { rssBytes: process.memoryUsage.rss(), limitBytes: this.#memoryLimit.bytes, limitSource: this.#memoryLimit.source };
  }

  #process(): ProcessFacts {
    const m = process.memoryUsage();
    const cpu = process.cpuUsage();
    return {
      heapUsedBytes: m.heapUsed,
      heapTotalBytes: m.heapTotal,
      externalBytes: m.external,
      cpuUserS: cpu.user / 1e6,
      cpuSystemS: cpu.system / 1e6,
      startTimeS: Math.round((performance.timeOrigin / 1000) * 1000) / 1000,
      openFds: openFds(),
      maxFds: this.#maxFds,
    };
  }
}

export async function diskFacts(path: string): Promise<DiskFacts> {
  try {
    const s = await statfs(path);
    // bavail: blocks available to an unprivileged user (what the service can still write).
    return { path, availBytes: s.bavail * s.bsize, sizeBytes: s.blocks * s.bsize };
  } catch (err) {
    return { path, error: (err as Error).message };
  }
}

/** cgroup v2 (unified or hybrid mount), then v1, then the machine. Unlimited counts as no limit. */
export function memoryLimit(root = '/sys/fs/cgroup', procCgroup = '/proc/self/cgroup', total = totalmem()): { bytes: number; source: 'cgroup' | 'system' } {
  let lines: string[] = [];
  try {
    lines = readFileSync(procCgroup, 'utf8').split('\n');
  } catch {
    return { bytes: total, source: 'system' };
  }
  const candidates: string[] = [];
  for (const line of lines) {
    const [id, controllers, path] = line.split(':');
    if (path === undefined) continue;
    if (id === '0' && controllers === '') candidates.push(`${root}${path}/memory.max`, `${root}/unified${path}/memory.max`);
    else if (controllers?.split(',').includes('memory')) candidates.push(`${root}/memory${path}/memory.limit_in_bytes`);
  }
  for (const file of candidates) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8').trim();
    } catch {
      continue;
    }
    const n = Number(text);
    // `max` (v2) or a page-rounded 2^63 (v1) mean unlimited; a limit above RAM cannot bite first.
    if (text !== 'max' && Number.isFinite(n) && n > 0 && n < total) return { bytes: n, source: 'cgroup' };
  }
  return { bytes: total, source: 'system' };
}

function openFds(): number | null {
  try {
    return readdirSync('/proc/self/fd').length - 1; // minus the descriptor readdir itself holds
  } catch {
    return null;
  }
}

function maxFds(): number | null {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}
