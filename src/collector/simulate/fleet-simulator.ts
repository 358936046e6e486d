import { createPoster, type Poster } from './http-post.js';
import { deviceSeed, SeededRandom } from './seeded-random.js';
import { FleetCounters, SimDevice } from './sim-device.js';

export interface SimulatedAppliance {
  name: string;
  token: string;
  /** The collector's high-water mark for this name when the simulation starts (0: new). */
  startSeq: number;
}

export interface FleetSimulatorOptions {
  url: string;
  appliances: SimulatedAppliance[];
  /** Seconds of appliance time per record (fleet.intervalS). */
  intervalS: number;
  /** Records every intervalS / speedup real seconds; daily cycles and faults K times faster. */
  speedup: number;
  seed: number;
  /** Mean model seconds between two faults of one appliance; Infinity: none. */
  meanFaultGapS: number;
  /** Outbox bound per appliance, in records; past it the oldest become a retention gap. */
  maxRecords: number;
  batchMax: number;
  backoff: { initialMs: number; maxMs: number };
  requestTimeoutMs: number;
  maxSockets: number;
  ca?: string;
  software: string;
  /** Seconds of history each appliance records before going live (sent as a backlog). */
  backfillS?: number;
  log: (msg: string) => void;
  now?: () => number;
}

export interface FleetSimulator {
  readonly devices: readonly SimDevice[];
  readonly counters: FleetCounters;
  /** Records written (telemetry + events) over all appliances. */
  written(): number;
  /** Sequence numbers not yet acknowledged over all appliances. */
  backlog(): number;
  /** Stops recording; uploads what is pending for up to `drainMs`, then closes the sockets. */
  stop(drainMs?: number): Promise<void>;
}

export const SIMULATOR_DEFAULTS = {
  intervalS: 10,
  speedup: 1,
  seed: 1,
  meanFaultGapS: 86_400,
  maxRecords: 8640,
  batchMax: 200,
  backoff: { initialMs: 1000, maxMs: 60_000 },
  requestTimeoutMs: 15_000,
  maxSockets: 64,
} as const;

/**
 * N simulated appliances over real HTTP. Each records every intervalS / speedup seconds, its
 * first record at a staggered phase so the fleet does not arrive in lock-step (nor do real
 * appliances, which booted at different times).
 */
export function startFleetSimulator(o: FleetSimulatorOptions): FleetSimulator {
  const now = o.now ?? Date.now;
  const poster: Poster = createPoster(o.url, { maxSockets: o.maxSockets, ...(o.ca ? { ca: o.ca } : {}) });
  const counters = new FleetCounters();
  const jitter = new SeededRandom(o.seed ^ 0x5eed);
  const periodMs = (o.intervalS / o.speedup) * 1000;
  const backfillSteps = Math.floor(((o.backfillS ?? 0) * 1000) / periodMs);
  const startMs = now();
  const startModelS = Math.floor(startMs / 1000) - backfillSteps * o.intervalS;
  const devices = o.appliances.map(
    (a, i) =>
      new SimDevice(
        {
          name: a.name,
          token: a.token,
          seed: deviceSeed(o.seed, i),
          model: { intervalS: o.intervalS, speedup: o.speedup, meanFaultGapS: o.meanFaultGapS, startModelS },
          startSeq: a.startSeq,
          maxRecords: o.maxRecords,
          batchMax: o.batchMax,
          backoff: o.backoff,
          requestTimeoutMs: o.requestTimeoutMs,
          software: o.software,
          now,
          random: () => jitter.next(),
          log: o.log,
        },
        poster,
        counters,
      ),
  );
  // History first (a demo's charts are not empty; the uploader's backlog path is exercised).
  for (let k = backfillSteps; k >= 1; k--) {
    for (const d of devices) d.tick(startMs - k * periodMs, false);
  }
  const timers: NodeJS.Timeout[] = [];
  devices.forEach((d, i) => {
    const phase = (periodMs * i) / Math.max(1, devices.length);
    timers.push(
      setTimeout(() => {
        d.tick();
        timers.push(setInterval(() => d.tick(), periodMs));
      }, phase),
    );
  });
  let stopped = false;
  return {
    devices,
    counters,
    written: () => devices.reduce((s, d) => s + d.outbox.lastSeq, 0),
    backlog: () => devices.reduce((s, d) => s + d.outbox.backlog, 0),
    async stop(drainMs = 0) {
      if (stopped) return;
      stopped = true;
      for (const t of timers) clearTimeout(t);
      const until = Date.now() + drainMs;
      while (Date.now() < until && devices.some((d) => d.outbox.backlog > 0 || !d.idle)) {
        for (const d of devices) d.kick();
        await new Promise((r) => setTimeout(r, 100));
      }
      for (const d of devices) d.stop();
      while (devices.some((d) => !d.idle) && Date.now() < until + o.requestTimeoutMs) await new Promise((r) => setTimeout(r, 50));
      poster.close();
    },
  };
}
