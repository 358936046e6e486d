import { type GnssTimeCheck, type GnssTimeReference, uncheckedTime } from '../../core/gnss-time-check.js';
import { rolloverMultiple, ROLLOVER_WEEKS } from './week-rollover.js';

/**
 * The clocks a GNSS label can be held against, as plain values (the pipeline stays pure;
 * daemon/gnss/time-references.ts reads them from the appliance state).
 */
export interface TimeReferences {
  /**
   * The system clock is disciplined by a source that is not this receiver (a network server,
   * another refclock): the label's arrival stamp is then a reference in itself.
   */
  systemClockSynced: boolean;
  /** RTC minus system clock (ms) at its last reading, when the RTC holds a valid time; else null. */
  rtcOffsetMs: number | null;
}

export interface ReferenceBounds {
  /** Against a synchronised system clock, seconds; 0 turns the check off. */
  maxDisagreementS: number;
  /** Against the RTC (coarser: it drifts while the appliance is off), seconds; 0 turns it off. */
  maxRtcDisagreementS: number;
}

export const NO_REFERENCES: TimeReferences = { systemClockSynced: false, rtcOffsetMs: null };

/**
 * A correct label names an instant up to about a second before its first byte arrives (the
 * receiver computes the fix, then sends it: 0.1-0.9 s in practice). That lag is not a
 * disagreement; anything beyond it is.
 */
export const LABEL_LAG_MS = 1000;

export interface LabelToCheck {
  labelMs: number; // POSIX ms of the (floor-corrected) label
  arrivalMs: number; // system clock at the epoch's first byte
  rolloverWeeks: number;
  receiverTime: string; // ISO label as the receiver sent it
}

function excessMs(diffMs: number): number {
  if (diffMs > 0) return diffMs;
  if (diffMs < -LABEL_LAG_MS) return diffMs + LABEL_LAG_MS;
  return 0;
}

function seconds(ms: number): string {
  const s = Math.abs(ms) / 1000;
  if (s >= 86_400 * 2) return `${(s / 86_400).toFixed(1)} days`;
  if (s >= 7200) return `${(s / 3600).toFixed(2)} h`;
  return `${s.toFixed(s >= 100 ? 0 : 1)} s`;
}

/**
 * One reference at a time, the best there is: a synchronised system clock (milliseconds), else
 * the RTC (seconds to minutes after time without power). With neither, the label is unchecked.
 */
export function checkAgainstReferences(label: LabelToCheck, refs: TimeReferences, bounds: ReferenceBounds): GnssTimeCheck {
  let reference: GnssTimeReference;
  let refMs: number;
  let limitS: number;
  if (refs.systemClockSynced && bounds.maxDisagreementS > 0) {
    reference = 'system clock';
    refMs = label.arrivalMs;
    limitS = bounds.maxDisagreementS;
  } else if (refs.rtcOffsetMs !== null && Number.isFinite(refs.rtcOffsetMs) && bounds.maxRtcDisagreementS > 0) {
    reference = 'RTC';
    refMs = label.arrivalMs + refs.rtcOffsetMs;
    limitS = bounds.maxRtcDisagreementS;
  } else {
    return uncheckedTime(label.rolloverWeeks, label.rolloverWeeks ? label.receiverTime : null);
  }
  const diff = label.labelMs - refMs;
  const disagreementS = Math.round(diff) / 1000;
  const receiverTime = label.rolloverWeeks || Math.abs(excessMs(diff)) > limitS * 1000 ? label.receiverTime : null;
  if (Math.abs(excessMs(diff)) <= limitS * 1000) {
    return { verdict: 'agrees', reference, disagreementS, limitS, rolloverWeeks: label.rolloverWeeks, receiverTime, message: null };
  }
  const side = diff < 0 ? 'behind' : 'ahead of';
  const periods = rolloverMultiple(diff);
  const sent = `receiver date ${label.receiverTime.slice(0, 19).replace('T', ' ')} UTC`;
  const corrected = label.rolloverWeeks ? ` (after adding ${label.rolloverWeeks} weeks)` : '';
  const message =
    periods !== 0
      ? `${sent}${corrected}, ${Math.abs(periods) * ROLLOVER_WEEKS} weeks ${side} the ${reference}: GPS week rollover? Not sent to the timekeeper`
      : `${sent}${corrected} is ${seconds(diff)} ${side} the ${reference} (limit ${limitS} s): not sent to the timekeeper`;
  return { verdict: 'disagrees', reference, disagreementS, limitS, rolloverWeeks: label.rolloverWeeks, receiverTime, message };
}
