/**
 * Group commit: concurrent ingests are gathered for a few milliseconds and written in ONE
 * transaction, so the database pays one durable commit (one fsync) for many appliances'
 * batches instead of one each. That commit is the expensive part at 500 batches/s on a small
 * machine; everything else in an ingest is cheap.
 *
 * The guarantees it keeps:
 * - an ack is durable: submit() resolves only after `commit` has resolved, and `commit`
 *   resolves only once the shared transaction is committed (each store's contract);
 * - one job cannot poison the others: `commit` returns an outcome per job, so a job that
 *   fails (its own savepoint rolled back, or validated away) fails alone; only a failure of
 *   the transaction itself (the COMMIT, the connection) fails every job in the group — and
 *   then nothing of the group was stored, so every appliance retries and the store dedups;
 * - per-key order: jobs of one key (one appliance) are passed to `commit` in submission
 *   order, and a key that is in a group still being committed is held back (with every later
 *   job of that key) until that group is done, so with several groups in flight a later batch
 *   of an appliance can never overtake an earlier one.
 *
 * When to flush: as soon as the oldest waiting job is `windowMs` old, or `maxJobs` are
 * waiting, and fewer than `concurrency` groups are in flight. Under light load a job waits at
 * most windowMs; under heavy load the groups grow by themselves while the previous commit
 * runs (natural batching), which is what keeps latency bounded when commits are slow.
 */

export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface GroupCommitOptions<J, R> {
  /**
   * Writes a group of jobs (in the order given) and resolves after the durable commit with one
   * outcome per job, in the same order. A rejection fails every job of the group with it.
   */
  commit(jobs: J[]): Promise<Outcome<R>[]>;
  /** Jobs with the same key keep their order and are never in two groups in flight at once. */
  key(job: J): string;
  /** Longest a job waits for others before its group is flushed (default 2 ms). */
  windowMs?: number;
  /** Largest group (default 256). */
  maxJobs?: number;
  /** Groups committing at once (default 1). */
  concurrency?: number;
  /** ms, monotonic (default performance.now): tests drive the window with their own clock. */
  now?: () => number;
  /** Runs `fn` after `ms` on that clock and returns a cancel (default setTimeout). */
  after?: (ms: number, fn: () => void) => () => void;
}

const realAfter = (ms: number, fn: () => void): (() => void) => {
  const t = setTimeout(fn, ms);
  return () => clearTimeout(t);
};

export interface GroupCommitStats {
  groups: number;
  jobs: number;
  largestGroup: number;
  /** Groups whose commit itself failed (every job in them failed). */
  failedGroups: number;
}

interface Waiting<J, R> {
  job: J;
  key: string;
  since: number;
  resolve(v: R): void;
  reject(e: unknown): void;
}

export class GroupCommit<J, R> {
  readonly #o: Required<GroupCommitOptions<J, R>>;
  #queue: Waiting<J, R>[] = [];
  #inFlight = 0;
  readonly #busyKeys = new Set<string>();
  #cancelTimer: (() => void) | null = null;
  readonly #idle: Array<() => void> = [];
  readonly stats: GroupCommitStats = { groups: 0, jobs: 0, largestGroup: 0, failedGroups: 0 };

  constructor(opts: GroupCommitOptions<J, R>) {
    this.#o = { windowMs: 2, maxJobs: 256, concurrency: 1, ...opts, now: opts.now ?? (() => performance.now()), after: opts.after ?? realAfter };
    if (!(this.#o.maxJobs >= 1) || !(this.#o.concurrency >= 1) || !(this.#o.windowMs >= 0)) throw new RangeError('group commit: maxJobs and concurrency must be >= 1, windowMs >= 0');
  }

  submit(job: J): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ job, key: this.#o.key(job), since: this.#o.now(), resolve, reject });
      this.#schedule();
    });
  }

  /** Jobs waiting or being committed. */
  get pending(): number {
    return this.#queue.length + this.#inFlight;
  }

  /** Resolves when nothing is waiting or being committed (for close()). */
  drain(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    if (this.#queue.length > 0 && this.#inFlight < this.#o.concurrency) this.#flush();
    return new Promise((r) => this.#idle.push(r));
  }

  #schedule(): void {
    if (this.#queue.length === 0) {
      if (this.#inFlight === 0) for (const r of this.#idle.splice(0)) r();
      return;
    }
    if (this.#inFlight >= this.#o.concurrency) return; // a completing group calls us again
    const waited = this.#o.now() - this.#queue[0]!.since;
    if (this.#queue.length >= this.#o.maxJobs || waited >= this.#o.windowMs) {
      this.#flush();
      return;
    }
    if (this.#cancelTimer === null) {
      this.#cancelTimer = this.#o.after(Math.max(0, this.#o.windowMs - waited), () => {
        this.#cancelTimer = null;
        this.#schedule();
      });
    }
  }

  #flush(): void {
    if (this.#cancelTimer !== null) {
      this.#cancelTimer();
      this.#cancelTimer = null;
    }
    while (this.#inFlight < this.#o.concurrency && this.#queue.length > 0) {
      const group: Waiting<J, R>[] = [];
      const rest: Waiting<J, R>[] = [];
      // A key held back stays held back for the rest of this pass (its later jobs must not overtake).
      const blocked = new Set<string>();
      for (const w of this.#queue) {
        if (group.length < this.#o.maxJobs && !this.#busyKeys.has(w.key) && !blocked.has(w.key)) group.push(w);
        else {
          blocked.add(w.key);
          rest.push(w);
        }
      }
      if (group.length === 0) break; // everything waiting belongs to a group in flight
      this.#queue = rest;
      this.#start(group);
    }
  }

  #start(group: Waiting<J, R>[]): void {
    const keys = new Set(group.map((w) => w.key));
    for (const k of keys) this.#busyKeys.add(k);
    this.#inFlight++;
    this.stats.groups++;
    this.stats.jobs += group.length;
    this.stats.largestGroup = Math.max(this.stats.largestGroup, group.length);
    let committed: Promise<Outcome<R>[]>;
    try {
      committed = this.#o.commit(group.map((w) => w.job));
    } catch (e) {
      committed = Promise.reject(e);
    }
    committed
      .then(
        (outcomes) => {
          if (outcomes.length !== group.length) throw new Error(`group commit: ${outcomes.length} outcomes for ${group.length} jobs`);
          group.forEach((w, i) => {
            const o = outcomes[i]!;
            if (o.ok) w.resolve(o.value);
            else w.reject(o.error);
          });
        },
        (e) => {
          this.stats.failedGroups++;
          for (const w of group) w.reject(e);
        },
      )
      .catch((e) => {
        for (const w of group) w.reject(e);
      })
      .finally(() => {
        for (const k of keys) this.#busyKeys.delete(k);
        this.#inFlight--;
        this.#schedule();
      });
  }
}
