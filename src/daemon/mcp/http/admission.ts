/**
 * Streamable HTTP work per API key, bounded. Every POST is its own request (on its own
 * connection or pipelined on one), and each costs the daemon a body parse, the SDK's request
 * handling and an encoded reply, all on the event loop that stamps NMEA arrivals. Unbounded,
 * one client firing 2,000 concurrent POSTs held that loop for seconds.
 *
 * - At most `maxInFlight` requests of one key run at once; the next `maxWaiting` wait in line
 *   and start one per freed slot, each in a later turn (`setImmediate`), so I/O from the
 *   receiver and other clients runs in between.
 * - Beyond that the request is refused at once (the caller answers 503 with Retry-After),
 *   before its body is read, and counted. A flood from one key delays and refuses only that key.
 */
export interface AdmissionOptions {
  maxInFlight: number;
  maxWaiting: number;
}

export interface AdmissionStats {
  admitted: number;
  /** Requests that had to wait for a slot. */
  waited: number;
  /** Requests refused because the key's line was full. */
  refusedBusy: number;
}

/** One admitted request; call `done` exactly once when its response is finished or abandoned. */
export type Job = (done: () => void) => void;

interface Line {
  running: number;
  waiting: Job[];
}

export class Admission {
  readonly #o: AdmissionOptions;
  readonly #lines = new Map<string, Line>();
  readonly stats: AdmissionStats = { admitted: 0, waited: 0, refusedBusy: 0 };

  constructor(o: AdmissionOptions) {
    if (!(o.maxInFlight >= 1) || !(o.maxWaiting >= 0)) throw new RangeError('maxInFlight >= 1 and maxWaiting >= 0');
    this.#o = o;
  }

  /** Starts `job` now or when a slot of `key` frees; false (nothing started) when the key's line is full. */
  enter(key: string, job: Job): boolean {
    const line = this.#lines.get(key) ?? { running: 0, waiting: [] };
    this.#lines.set(key, line);
    if (line.running < this.#o.maxInFlight && line.waiting.length === 0) {
      this.#start(key, line, job);
      return true;
    }
    if (line.waiting.length >= this.#o.maxWaiting) {
      this.stats.refusedBusy++;
      return false;
    }
    this.stats.waited++;
    line.waiting.push(job);
    return true;
  }

  /** Requests of `key` running and waiting, now. */
  load(key: string): { running: number; waiting: number } {
    const l = this.#lines.get(key);
    return { running: l?.running ?? 0, waiting: l?.waiting.length ?? 0 };
  }

  #start(key: string, line: Line, job: Job): void {
    line.running++;
    this.stats.admitted++;
    let finished = false;
    job(() => {
      if (finished) return;
      finished = true;
      line.running--;
      if (line.waiting.length > 0) setImmediate(() => this.#next(key, line));
      else if (line.running === 0) this.#lines.delete(key);
    });
  }

  #next(key: string, line: Line): void {
    if (line.running >= this.#o.maxInFlight) return;
    const job = line.waiting.shift();
    if (job) this.#start(key, line, job);
    else if (line.running === 0) this.#lines.delete(key);
  }
}
