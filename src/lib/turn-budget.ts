/**
 * Work for one client of a line-based server (gpsd JSON, the control socket), done a bounded
 * amount per event-loop turn. Without it one client writing 100,000 requests in one packet
 * holds the event loop for seconds while every reply is built, and everything else the
 * daemon does (stamping NMEA arrivals, PPS edges) waits and is stamped late.
 *
 * - At most `perTurn` items are handled per turn; the rest wait for `setImmediate`, so I/O
 *   callbacks (serial data, other clients) run between slices.
 * - Before each item the client's unsent output is checked: above `maxOutputBytes` we stop
 *   and wait for the socket's 'drain', so a client that asks without reading only delays
 *   itself, and its replies are never encoded into a queue nobody empties.
 * - Above `maxQueued` waiting items the socket is paused: the kernel and TCP hold the rest
 *   of the flood at the sender, not our memory. Reading resumes when the queue is empty.
 */
export interface BudgetedSocket {
  pause(): unknown;
  resume(): unknown;
  readonly writableLength: number;
  readonly destroyed: boolean;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
}

export interface TurnBudgetOptions<T = unknown> {
  /** Work units per turn: items, or the sum of `weight` when given. */
  perTurn: number;
  /** What an item costs in units (default 1): a 1 MiB WebSocket message is not one 20-byte request. */
  weight?: (item: T) => number;
  maxQueued: number;
  maxOutputBytes: number;
}

export interface TurnBudgetStats {
  /** Slices that ended with work left over (the client had more than `perTurn` waiting). */
  deferredTurns: number;
  /** Times we waited for the client to read its replies. */
  outputWaits: number;
  /** Times the socket was paused because too much was queued. */
  pauses: number;
}

export class TurnBudget<T> {
  readonly #socket: BudgetedSocket;
  readonly #handle: (item: T) => void;
  readonly #o: TurnBudgetOptions<T>;
  #queue: T[] = [];
  #head = 0;
  #scheduled = false;
  #waitingDrain = false;
  #paused = false;
  readonly stats: TurnBudgetStats = { deferredTurns: 0, outputWaits: 0, pauses: 0 };

  constructor(socket: BudgetedSocket, handle: (item: T) => void, o: TurnBudgetOptions<T>) {
    this.#socket = socket;
    this.#handle = handle;
    this.#o = o;
  }

  get pending(): number {
    return this.#queue.length - this.#head;
  }

  push(items: Iterable<T>): void {
    for (const item of items) this.#queue.push(item);
    if (this.pending > this.#o.maxQueued && !this.#paused) {
      this.#paused = true;
      this.stats.pauses++;
      this.#socket.pause();
    }
    this.#run();
  }

  #run(): void {
    if (this.#scheduled || this.#waitingDrain || this.#socket.destroyed) return;
    let done = 0;
    while (this.pending > 0) {
      if (this.#socket.writableLength > this.#o.maxOutputBytes) {
        this.#waitForDrain();
        return;
      }
      if (done >= this.#o.perTurn) {
        this.stats.deferredTurns++;
        this.#scheduled = true;
        setImmediate(() => {
          this.#scheduled = false;
          this.#run();
        });
        return;
      }
      const item = this.#queue[this.#head++]!;
      done += this.#o.weight ? this.#o.weight(item) : 1;
      this.#handle(item);
    }
    this.#queue = [];
    this.#head = 0;
    if (this.#paused) {
      this.#paused = false;
      this.#socket.resume();
    }
  }

  #waitForDrain(): void {
    this.stats.outputWaits++;
    this.#waitingDrain = true;
    const onDrain = (): void => {
      this.#socket.off('close', onClose);
      this.#waitingDrain = false;
      this.#run();
    };
    const onClose = (): void => {
      this.#socket.off('drain', onDrain);
      this.#queue = [];
      this.#head = 0;
    };
    this.#socket.once('drain', onDrain);
    this.#socket.once('close', onClose);
  }
}
