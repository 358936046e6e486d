import { readFileSync } from 'node:fs';
import { VERSION } from '../../daemon/version.js';
import { parseFlags, UsageError } from '../../cli/flags.js';
import { DEVICE_NAME } from '../device-tokens.js';
import { SIMULATOR_DEFAULTS, startFleetSimulator, type FleetSimulator, type SimulatedAppliance } from './fleet-simulator.js';
import { createPoster } from './http-post.js';
import { probeAckedSeq } from './probe-acked-seq.js';
import { readTokensFile, registerSimulatedDevices, simulatedName } from './register-devices.js';

const USAGE = `usage: stratum1d collector simulate --url URL (--db D | --tokens FILE) [options]

Simulated appliances reporting to a collector over real HTTP, with the wire protocol, the
sequence numbers, the cumulative acknowledgements and the backoff of real ones, and varied
telemetry with occasional faults (receiver lost and holdover, PPS lost, the clock stepped an
hour back, silent periods). For load tests and demos.

  --url URL            the collector, e.g. http://127.0.0.1:8470
  --devices N          how many appliances (default 10)
  --db D               register them in this collector database (file or postgres:// URL)
                       as PREFIX-0001 …; no tokens to copy by hand
  --tokens FILE        "NAME TOKEN" lines: use these appliances (with --db: reuse the tokens
                       of ones already registered and append new ones)
  --prefix NAME        name prefix with --db (default sim)
  --interval S         seconds of appliance time per record (default 10)
  --speedup K          send every interval/K seconds; daily cycles and faults K times faster
  --fault-every S      mean seconds of appliance time between faults of one appliance
                       (default 86400); 0: no faults
  --max-records N      outbox bound per appliance; past it the oldest become a gap (default 8640)
  --batch-max N        records per batch at most (default 200)
  --max-sockets N      connections to the collector at most (default 64)
  --ca FILE            CA certificate for an https:// collector with a private CA
  --backfill S         first record S seconds of history per appliance (sent as a backlog)
  --seed N             the fleet's random seed (default 1): the same seed, the same fleet
  --duration S         stop after S seconds (default: until SIGINT/SIGTERM)
  --status-every S     a progress line on stderr every S seconds (default 10; 0: none)
  --json               print a summary as JSON on stdout at the end
  --help               this text`;

const SPEC = {
  url: 'string',
  devices: 'string',
  db: 'string',
  tokens: 'string',
  prefix: 'string',
  interval: 'string',
  speedup: 'string',
  'fault-every': 'string',
  'max-records': 'string',
  'batch-max': 'string',
  'max-sockets': 'string',
  ca: 'string',
  seed: 'string',
  backfill: 'string',
  duration: 'string',
  'status-every': 'string',
  json: 'boolean',
  help: 'boolean',
} as const;

export interface SimulateCliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface SimulateCliHooks {
  /** Stops the run like SIGTERM (in-process callers must not signal themselves). */
  signal?: AbortSignal;
  /** Called once the simulator runs (tests, the demo script in-process). */
  onStart?: (sim: FleetSimulator) => void;
}

function num(f: Record<string, unknown>, name: string, dflt: number, ok: (n: number) => boolean, what: string): number {
  const raw = f[name];
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n) || !ok(n)) throw new UsageError(`--${name} must be ${what}, got "${String(raw)}"`);
  return n;
}

export async function runFleetSimulator(argv: string[], io: SimulateCliIo, hooks: SimulateCliHooks = {}): Promise<number> {
  let f: ReturnType<typeof parseFlags>;
  try {
    f = parseFlags(argv, { ...SPEC });
    if (f.help) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (f._.length) throw new UsageError(`unexpected argument "${f._[0]}"`);
    if (typeof f.url !== 'string') throw new UsageError('--url is required');
    if (!/^https?:\/\//.test(f.url)) throw new UsageError(`--url must be http:// or https://, got "${f.url}"`);
    if (f.db === undefined && f.tokens === undefined) throw new UsageError('pass --db D (register the appliances) or --tokens FILE');
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`stratum1d collector simulate: ${e.message}\n${USAGE}\n`);
      return 64;
    }
    throw e;
  }
  let opts: ReturnType<typeof parseOptions>;
  try {
    opts = parseOptions(f);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`stratum1d collector simulate: ${e.message}\n`);
      return 64;
    }
    throw e;
  }
  const log = (msg: string) => io.stderr.write(`simulate: ${msg}\n`);
  const software = `stratum1d-sim ${VERSION}`;

  let appliances: SimulatedAppliance[];
  try {
    appliances = await resolveAppliances(f, opts, software);
  } catch (e) {
    io.stderr.write(`stratum1d collector simulate: ${(e as Error).message}\n`);
    return 1;
  }
  log(`${appliances.length} appliances → ${opts.url}, a record every ${(opts.intervalS / opts.speedup).toFixed(2)} s each`);

  const sim = startFleetSimulator({
    url: opts.url,
    appliances,
    intervalS: opts.intervalS,
    speedup: opts.speedup,
    seed: opts.seed,
    meanFaultGapS: opts.meanFaultGapS,
    maxRecords: opts.maxRecords,
    batchMax: opts.batchMax,
    backoff: SIMULATOR_DEFAULTS.backoff,
    requestTimeoutMs: SIMULATOR_DEFAULTS.requestTimeoutMs,
    maxSockets: opts.maxSockets,
    ...(opts.ca ? { ca: opts.ca } : {}),
    software,
    backfillS: opts.backfillS,
    log,
  });
  sim.counters.keepLatencies = false;
  hooks.onStart?.(sim);

  const status = () => {
    const c = sim.counters;
    const faults = sim.devices.filter((d) => d.model.fault !== null).length;
    log(`written ${sim.written()}, backlog ${sim.backlog()}, requests ${c.requests}, stored ${c.stored}, duplicates ${c.duplicates}, faults now ${faults}, errors ${JSON.stringify(c.errors)}, transport errors ${c.transportErrors}`);
  };
  const statusTimer = opts.statusEveryS > 0 ? setInterval(status, opts.statusEveryS * 1000) : null;

  await new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | null = null;
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      if (timer) clearTimeout(timer);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    if (hooks.signal?.aborted) done();
    hooks.signal?.addEventListener('abort', done, { once: true });
    if (opts.durationS !== null) timer = setTimeout(done, opts.durationS * 1000);
  });
  if (statusTimer) clearInterval(statusTimer);
  log('stopping: sending what is pending (at most 5 s)');
  await sim.stop(5000);
  status();
  if (f.json === true) {
    const c = sim.counters;
    io.stdout.write(
      `${JSON.stringify({
        devices: sim.devices.map((d) => ({ name: d.name, lastSeq: d.outbox.lastSeq, ackedSeq: d.outbox.ackedSeq, dropped: d.outbox.dropped, lastError: d.lastError })),
        requests: c.requests,
        stored: c.stored,
        duplicates: c.duplicates,
        gapsStored: c.gapsStored,
        errors: c.errors,
        transportErrors: c.transportErrors,
      })}\n`,
    );
  }
  return 0;
}

async function resolveAppliances(
  f: Record<string, unknown>,
  opts: { url: string; devices: number; prefix: string; maxSockets: number; ca?: string | undefined },
  software: string,
): Promise<SimulatedAppliance[]> {
  const tokensFile = typeof f.tokens === 'string' ? f.tokens : null;
  if (typeof f.db === 'string') {
    const { openStore } = await import('../store/open-store.js');
    const store = await openStore(f.db);
    try {
      await store.migrate();
      const names = Array.from({ length: opts.devices }, (_, i) => simulatedName(opts.prefix, i, opts.devices));
      return await registerSimulatedDevices(store, names, tokensFile, Date.now());
    } finally {
      await store.close();
    }
  }
  const tokens = [...readTokensFile(tokensFile!)].slice(0, opts.devices);
  if (tokens.length === 0) throw new Error(`${tokensFile} holds no "NAME TOKEN" line`);
  // Without the database, the collector itself says where each appliance's numbering stands.
  const poster = createPoster(opts.url, { maxSockets: opts.maxSockets, ...(opts.ca ? { ca: opts.ca } : {}) });
  try {
    const deadline = Date.now() + 60_000;
    const out: SimulatedAppliance[] = [];
    for (let i = 0; i < tokens.length; i += 32) {
      const part = tokens.slice(i, i + 32);
      const seqs = await Promise.all(
        part.map(([name, token]) =>
          probeAckedSeq(poster, token, deadline, software).catch((e: Error) => {
            throw new Error(`${name}: ${e.message}`);
          }),
        ),
      );
      part.forEach(([name, token], j) => out.push({ name, token, startSeq: seqs[j]! }));
    }
    return out;
  } finally {
    poster.close();
  }
}

/** The options past the required ones; a UsageError names the first bad one. */
function parseOptions(f: Record<string, unknown>) {
  const int = (n: number) => Number.isInteger(n);
  const prefix = typeof f.prefix === 'string' ? f.prefix : 'sim';
  if (!DEVICE_NAME.test(`${prefix}-0001`)) throw new UsageError(`--prefix "${prefix}" does not make valid device names`);
  const faultEvery = num(f, 'fault-every', SIMULATOR_DEFAULTS.meanFaultGapS, (n) => n >= 0, 'seconds ≥ 0');
  return {
    url: f.url as string,
    devices: num(f, 'devices', 10, (n) => int(n) && n >= 1 && n <= 100_000, 'an integer 1 … 100000'),
    prefix,
    intervalS: num(f, 'interval', SIMULATOR_DEFAULTS.intervalS, (n) => n > 0 && n <= 86_400, 'seconds in (0, 86400]'),
    speedup: num(f, 'speedup', 1, (n) => n >= 1 && n <= 10_000, 'a factor 1 … 10000'),
    meanFaultGapS: faultEvery === 0 ? Infinity : faultEvery,
    maxRecords: num(f, 'max-records', SIMULATOR_DEFAULTS.maxRecords, (n) => int(n) && n >= 1, 'an integer ≥ 1'),
    batchMax: num(f, 'batch-max', SIMULATOR_DEFAULTS.batchMax, (n) => int(n) && n >= 1 && n <= 1000, 'an integer 1 … 1000'),
    maxSockets: num(f, 'max-sockets', SIMULATOR_DEFAULTS.maxSockets, (n) => int(n) && n >= 1, 'an integer ≥ 1'),
    seed: num(f, 'seed', SIMULATOR_DEFAULTS.seed, int, 'an integer'),
    backfillS: num(f, 'backfill', 0, (n) => n >= 0 && n <= 30 * 86_400, 'seconds, 0 … 30 days'),
  durationS: f.duration === undefined ? null : num(f, 'duration', 0, (n) => n > 0, 'seconds > 0'),
    statusEveryS: num(f, 'status-every', 10, (n) => n >= 0, 'seconds ≥ 0'),
    ca: typeof f.ca === 'string' ? readFileSync(f.ca, 'utf8') : undefined,
  };
}
