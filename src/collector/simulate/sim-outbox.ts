import type { Batch, EventBody, Gap, TelemetryBody, WireRecord } from '../../fleet-wire/schema.js';

/**
 * A simulated appliance's outbox, in memory: the same rules as the real one (sequence numbers
 * 1, 2, 3 …, records kept until a cumulative acknowledgement covers them, bounded retention
 * whose drops become an explicit gap) without the durability, which a simulator does not need.
 *
 * Retention drops the oldest unacknowledged record, so the dropped run is always at the front
 * (right after ackedSeq): one gap run [ackedSeq + 1, gapTo] describes every drop.
 */
export class SimOutbox {
  #records: WireRecord[] = [];
  #sizes: number[] = [];
  #head = 0;
  #ackedSeq: number;
  #lastSeq: number;
  #gapTo: number;
  #gapReason: Gap['reason'] = 'retention-size';
  #dropped = 0;

  constructor(
    readonly maxRecords: number,
    /** The collector's high-water mark when the simulation starts (0: a new appliance). */
    startSeq = 0,
  ) {
    this.#ackedSeq = startSeq;
    this.#lastSeq = startSeq;
    this.#gapTo = startSeq;
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  get ackedSeq(): number {
    return this.#ackedSeq;
  }

  /** Sequence numbers written but not yet acknowledged (records and gap). */
  get backlog(): number {
    return this.#lastSeq - this.#ackedSeq;
  }

  /** Records dropped by retention before acknowledgement (each one is in a gap sent to the collector). */
  get dropped(): number {
    return this.#dropped;
  }

  append(kind: 'telemetry', at: number, body: TelemetryBody): number;
  append(kind: 'event', at: number, body: EventBody): number;
  append(kind: 'telemetry' | 'event', at: number, body: TelemetryBody | EventBody): number {
    const seq = ++this.#lastSeq;
    const record = { seq, kind, at, body } as WireRecord;
    this.#records.push(record);
    this.#sizes.push(JSON.stringify(record).length + 1);
    if (this.#records.length - this.#head > this.maxRecords) this.#dropOldest();
    return seq;
  }

  /**
   * The next batch: the contiguous run from ackedSeq + 1, at most `maxItems` items and about
   * `maxBytes` of JSON. Null when nothing is pending.
   */
  batch(maxItems: number, maxBytes: number, sentAt: number, software: string): Batch | null {
    if (this.backlog === 0) return null;
    const gaps: Gap[] = this.#gapTo > this.#ackedSeq ? [{ from: this.#ackedSeq + 1, to: this.#gapTo, reason: this.#gapReason }] : [];
    const records: WireRecord[] = [];
    let bytes = 200;
    for (let i = this.#head; i < this.#records.length && records.length + gaps.length < maxItems; i++) {
      bytes += this.#sizes[i]!;
      if (records.length > 0 && bytes > maxBytes) break;
      records.push(this.#records[i]!);
    }
    return { v: 1, sentAt, software, lastSeq: this.#lastSeq, records, gaps };
  }

  /** A cumulative acknowledgement: everything up to `seq` is stored and can go. */
  ack(seq: number): void {
    if (seq <= this.#ackedSeq) return;
    this.#ackedSeq = Math.min(seq, this.#lastSeq);
    while (this.#head < this.#records.length && this.#records[this.#head]!.seq <= this.#ackedSeq) this.#head++;
    if (this.#gapTo < this.#ackedSeq) this.#gapTo = this.#ackedSeq;
    if (this.#head > 1024 && this.#head * 2 > this.#records.length) {
      this.#records = this.#records.slice(this.#head);
      this.#sizes = this.#sizes.slice(this.#head);
      this.#head = 0;
    }
  }

  /**
   * The collector's mark is behind what it acknowledged before (its database was restored
   * from a backup, say): what it lost is gone here too, so it is reported as a 'lost' gap.
   */
  collectorBehind(collectorSeq: number): void {
    if (collectorSeq >= this.#ackedSeq) return;
    const firstKept = this.#head < this.#records.length ? this.#records[this.#head]!.seq : this.#lastSeq + 1;
    if (this.#gapTo < firstKept - 1) this.#gapTo = firstKept - 1;
    this.#ackedSeq = collectorSeq;
    this.#gapReason = 'lost';
  }

  #dropOldest(): void {
    const r = this.#records[this.#head]!;
    this.#head++;
    this.#dropped++;
    this.#gapTo = r.seq;
    this.#gapReason = 'retention-size';
  }
}
