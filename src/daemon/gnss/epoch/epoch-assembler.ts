import type { Sentence, TimeOfDay } from '../nmea/sentence-types.js';
import { CycleDetector, type CycleEnder } from './cycle-detector.js';
import { cycleKey, sentenceTime, todMs } from './sentence-time.js';

/** The sentences of one navigation epoch, before interpretation. */
export interface RawEpoch {
  /** UTC time of day the timed sentences carry; null when only untimed ones (GSA, GSV) came. */
  time: TimeOfDay | null;
  /** receivedAt of the epoch's first sentence: the moment closest to the receiver's output edge. */
  receivedAt: number;
  sentences: Sentence[];
  closedBy: 'timeChange' | 'cycleEnd' | 'flush' | 'untimedCycle';
}

/**
 * Generous for a u-blox F9 cycle (RMC VTG GGA 4×GSA up to 32 GSV GLL GST ZDA GBS ≈ 45);
 * reached only by a receiver stuck on one time, whose extra sentences are dropped.
 */
export const MAX_EPOCH_SENTENCES = 128;

/** Sentences that carry the epoch's time when the receiver has one (sentence-time.ts). */
const TIME_BEARING = new Set(['RMC', 'GGA', 'GNS', 'GLL', 'ZDA', 'GST', 'GBS', 'PGRMF']);

interface OpenEpoch {
  time: TimeOfDay | null;
  tod: number | null;
  receivedAt: number;
  sentences: Sentence[];
  occurrences: Map<string, number>;
  last: CycleEnder | null;
}

/**
 * Groups sentences into epochs. An epoch closes when a sentence stamped with another time
 * arrives, when the learnt last sentence of the cycle arrives, or on `flush()` (the live
 * service calls it after a quiet gap on the line; end of a log).
 *
 * Untimed sentences (GSA, GSV, VTG, TXT) join the open epoch; after a cycle-end close they
 * open the next one. Receivers differ in where they put them, and a line without gaps
 * cannot tell a cycle's trailing GSV from the next cycle's leading GSA, so like gpsd we
 * attach them to the current epoch until the time moves on. On a live port the quiet gap
 * between cycles (closeEpoch) separates them correctly, and the cycle end is then learnt
 * from where the receiver really stops.
 */
export class EpochAssembler {
  readonly #detector = new CycleDetector();
  #open: OpenEpoch | null = null;
  #lastClosedTod: number | null = null;
  /** Sentences dropped because their epoch had already been reported. */
  late = 0;
  /** Sentences dropped because the open epoch was full. */
  overflow = 0;

  get learntEnder(): CycleEnder | null {
    return this.#detector.ender;
  }

  /** How many sentences the open epoch holds (bounded by MAX_EPOCH_SENTENCES). */
  get openSize(): number {
    return this.#open?.sentences.length ?? 0;
  }

  push(s: Sentence, receivedAt: number): RawEpoch[] {
    const out: RawEpoch[] = [];
    const time = sentenceTime(s);
    const tod = time ? todMs(time) : null;
    if (tod !== null) {
      if (this.#open && this.#open.tod !== null && this.#open.tod !== tod) out.push(this.#close('timeChange'));
      if ((this.#open === null || this.#open.tod === null) && tod === this.#lastClosedTod) {
        // The epoch for this time was already closed and reported: whatever we held since
        // belongs to it, and the cycle end we learnt was wrong.
        this.late += 1 + (this.#open?.sentences.length ?? 0);
        this.#open = null;
        this.#detector.forget();
        return out;
      }
    }
    // Cold start: a receiver without time sends its cycle with empty time fields, for minutes.
    // Nothing then says where one cycle ends, so an untimed epoch would grow until full and
    // swallow the first fix. A sentence kind that normally carries the time, seen a second
    // time, or a full epoch, starts a new one.
    if (this.#open && this.#open.tod === null && (this.#open.sentences.length >= MAX_EPOCH_SENTENCES || this.#repeats(this.#open, s))) {
      out.push(this.#close('untimedCycle'));
    }
    let open = this.#open;
    if (open === null) {
      open = { time: null, tod: null, receivedAt, sentences: [], occurrences: new Map(), last: null };
      this.#open = open;
    }
    if (open.sentences.length >= MAX_EPOCH_SENTENCES) {
      this.overflow++;
      return out;
    }
    if (open.tod === null && tod !== null) {
      open.tod = tod;
      open.time = time;
    }
    open.sentences.push(s);
    const key = cycleKey(s);
    const occurrence = (open.occurrences.get(key) ?? 0) + 1;
    open.occurrences.set(key, occurrence);
    open.last = { key, occurrence };
    if (this.#detector.isEnder(key, occurrence)) out.push(this.#close('cycleEnd'));
    return out;
  }

  #repeats(open: OpenEpoch, s: Sentence): boolean {
    return TIME_BEARING.has(s.type) && open.occurrences.has(cycleKey(s));
  }

  flush(): RawEpoch | null {
    return this.#open ? this.#close('flush') : null;
  }

  #close(closedBy: RawEpoch['closedBy']): RawEpoch {
    const e = this.#open!;
    this.#open = null;
    this.#lastClosedTod = e.tod;
    // An epoch without a time is a fragment (GSV sent every few cycles, after the learnt
    // end): it says nothing about where the receiver's cycle ends.
    if (closedBy !== 'cycleEnd' && e.tod !== null) this.#detector.observeEnd(e.last);
    return { time: e.time, receivedAt: e.receivedAt, sentences: e.sentences, closedBy };
  }
}
