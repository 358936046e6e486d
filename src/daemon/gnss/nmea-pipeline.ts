import { EventEmitter } from 'node:events';
import type { LineSample } from '../../drivers/serial/serial-link.js';
import type { Fix, Sky } from '../core/fix.js';
import { uncheckedTime, type GnssTimeCheck } from '../core/gnss-time-check.js';
import { type UtcTime, utcToIso, utcToUnixMs } from '../core/utc-time.js';
import { type CalendarDate, DateResolver } from './epoch/date-resolver.js';
import type { LeapPending } from './epoch/jump-rule.js';
import { checkAgainstReferences, NO_REFERENCES, type TimeReferences } from './epoch/reference-check.js';
import { applyDateFloor } from './epoch/week-rollover.js';
import { EpochAssembler, type RawEpoch } from './epoch/epoch-assembler.js';
import { resolveEpochTime } from './epoch/epoch-time.js';
import { buildFix } from './epoch/fix-builder.js';
import { SkyBuilder } from './epoch/sky-builder.js';
import { type FixTrust, TrustTracker } from './epoch/trust-tracker.js';
import { bump, bumpUnknown, countRejection, type DecodeCounters, newCounters } from './nmea/decode-counters.js';
import { decodeSentence } from './nmea/decode-sentence.js';
import { frameLine } from './nmea/framing.js';
import { type AntennaStatus, antennaStatus, TxtAssembler } from './nmea/txt-assembler.js';

export type { FixTrust } from './epoch/trust-tracker.js';
export type { DecodeCounters } from './nmea/decode-counters.js';

export interface NmeaPipelineOptions {
  /** Accept sentences without `*hh` (some old receivers, hand-typed test input). Default false. */
  acceptMissingChecksum?: boolean;
  /** Consecutive valid epochs before a fix is time-valid. Default 3. */
  timeValidAfter?: number;
  /** Date for logs whose sentences carry none (gpsd logs' `# Date:` header). */
  initialDate?: { year: number; month: number; day: number } | null;
  /**
   * No receiver date before this can be current (the release date, week-rollover.ts): older
   * dates get 1024 weeks added. Null (the default, and for recorded logs): dates as sent.
   */
  dateFloor?: CalendarDate | null;
  /** receivedAt is wall-clock ms (a live port), so label steps are judged against it. Default false (logs: line numbers). */
  arrivalClock?: boolean;
  /** The clocks a label is held against (RTC, synchronised system clock); read once per epoch. */
  references?: () => TimeReferences;
  /** Largest disagreement with a synchronised system clock, seconds (0: off). Default 2. */
  maxDisagreementS?: number;
  /** Largest disagreement with the RTC, seconds (0: off). Default 300. */
  maxRtcDisagreementS?: number;
  /** A leap second announced for the end of the current UTC day (from the timekeeper). */
  leapPending?: () => LeapPending;
}

export interface TextMessage {
  talker: string;
  text: string;
}

export interface NmeaPipelineEvents {
  fix: [fix: Fix, trust: FixTrust];
  sky: [sky: Sky];
  text: [message: TextMessage];
}

type Output = ['fix', Fix, FixTrust] | ['sky', Sky] | ['text', TextMessage];

/**
 * Lines in, fixes out: framing → sentence decoders → epoch assembly → Fix/Sky, plus the
 * trust streak. Pure computation (no timers, no I/O); the caller decides when a quiet line
 * means the epoch is over and calls closeEpoch(). Never throws on input: everything bad is
 * counted in `counters`.
 */
export class NmeaPipeline extends EventEmitter<NmeaPipelineEvents> {
  readonly #acceptMissing: boolean;
  readonly #counters = newCounters();
  readonly #assembler = new EpochAssembler();
  #dates: DateResolver;
  readonly #opts: NmeaPipelineOptions;
  readonly #sky = new SkyBuilder();
  readonly #trust: TrustTracker;
  readonly #txt = new TxtAssembler();
  #antenna: AntennaStatus | null = null;
  #queue: Output[] = [];

  constructor(opts: NmeaPipelineOptions = {}) {
    super();
    this.#acceptMissing = opts.acceptMissingChecksum ?? false;
    this.#trust = new TrustTracker(opts.timeValidAfter ?? 3);
    this.#dates = new DateResolver(opts.initialDate ?? null);
    this.#opts = opts;
  }

  /**
   * The receiver went away (link closed): nothing it said before counts for what comes next
   * (it may be another receiver, or the same one after a cold start). Trust starts again and
   * the date anchor is dropped.
   */
  resetTrust(): void {
    this.#trust.reset();
    this.#dates = new DateResolver(this.#opts.initialDate ?? null);
  }

  get counters(): DecodeCounters {
    const c = this.#counters;
    c.lateSentences = this.#assembler.late;
    c.epochOverflow = this.#assembler.overflow;
    return c;
  }

  get trust(): FixTrust {
    return this.#trust.snapshot;
  }

  get antenna(): AntennaStatus | null {
    return this.#antenna;
  }

  /** What the pipeline holds between lines; every part has a fixed upper bound. */
  get retained(): { openEpochSentences: number; pendingTexts: number; unknownKeys: number } {
    return {
      openEpochSentences: this.#assembler.openSize,
      pendingTexts: this.#txt.pendingCount,
      unknownKeys: Object.keys(this.#counters.unknown).length,
    };
  }

  push(sample: LineSample): void {
    try {
      this.#process(sample);
    } catch {
      // A decoder bug must not take the daemon down with it; the counter makes it visible.
      this.#counters.internalErrors++;
    }
    this.#drain();
  }

  closeEpoch(): void {
    try {
      const e = this.#assembler.flush();
      if (e) this.#finish(e);
    } catch {
      this.#counters.internalErrors++;
    }
    this.#drain();
  }

  #process(sample: LineSample): void {
    const c = this.#counters;
    c.lines++;
    // The type says string; a caller bug (undefined, a Buffer) is still just bad input.
    const raw: unknown = sample?.line;
    const line = typeof raw === 'string' ? raw : raw === undefined || raw === null ? '' : String(raw);
    const framed = frameLine(line, this.#acceptMissing);
    if (framed.head) c.resyncs++;
    if (!framed.sentence) {
      countRejection(c, framed.rejected ?? 'partial');
      return;
    }
    if (!framed.sentence.checksummed) c.acceptedWithoutChecksum++;
    const out = decodeSentence(framed.sentence);
    if (out.kind === 'unknown') {
      bumpUnknown(c, out.key);
      if (out.proprietary) c.proprietary++;
      return;
    }
    if (out.kind === 'malformed') {
      bump(c.malformed, out.type);
      return;
    }
    const s = out.sentence;
    bump(c.sentences, s.type);
    if (out.tolerated) bump(c.badFields, s.type, out.tolerated);
    if (s.type === 'TXT') {
      const text = this.#txt.push(s.talker, s);
      if (text !== null) {
        this.#antenna = antennaStatus(text) ?? this.#antenna;
        this.#queue.push(['text', { talker: s.talker, text }]);
      }
    }
    for (const e of this.#assembler.push(s, Number(sample.receivedAt) || 0)) this.#finish(e);
  }

  #finish(e: RawEpoch): void {
    this.#counters.epochs++;
    const sent = resolveEpochTime(e, this.#dates);
    const floored = sent ? applyDateFloor(sent, this.#opts.dateFloor ?? null) : null;
    const time = floored?.time ?? null;
    const { fix, verdict } = buildFix(e.sentences, time, e.receivedAt);
    const sky = this.#sky.build(e.sentences, time);
    const hasFix = e.sentences.some((s) => s.type !== 'GSV' && s.type !== 'TXT');
    if (hasFix) {
      const o = this.#opts;
      const arrivalMs = o.arrivalClock ? e.receivedAt : null;
      const check = verdict === 'valid' && sent && time ? this.#check(sent, time, floored!.weeks, arrivalMs) : uncheckedTime();
      const trust = this.#trust.record(verdict, time, { arrivalMs, at: e.receivedAt, leapSeconds: fix.leapSeconds, leap: o.leapPending?.() ?? null, check });
      this.#queue.push(['fix', fix, trust]);
    }
    if (sky) this.#queue.push(['sky', sky]);
  }

  #check(sent: UtcTime, time: UtcTime, weeks: number, arrivalMs: number | null): GnssTimeCheck {
    const receiverTime = utcToIso(sent);
    if (arrivalMs === null || !Number.isFinite(arrivalMs)) return uncheckedTime(weeks, weeks ? receiverTime : null);
    const o = this.#opts;
    const refs = o.references?.() ?? NO_REFERENCES;
    const bounds = { maxDisagreementS: o.maxDisagreementS ?? 2, maxRtcDisagreementS: o.maxRtcDisagreementS ?? 300 };
    return checkAgainstReferences({ labelMs: utcToUnixMs(time), arrivalMs, rolloverWeeks: weeks, receiverTime }, refs, bounds);
  }

  /** Listeners run after the pipeline's own work, outside its error boundary. */
  #drain(): void {
    const q = this.#queue;
    if (q.length === 0) return;
    this.#queue = [];
    for (const o of q) {
      if (o[0] === 'fix') this.emit('fix', o[1], o[2]);
      else if (o[0] === 'sky') this.emit('sky', o[1]);
      else this.emit('text', o[1]);
    }
  }
}
