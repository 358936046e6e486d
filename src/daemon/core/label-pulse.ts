/**
 * Which PPS edge an NMEA time label names, and so the label's delay after that edge.
 *
 * What we measure is the label's *phase*: its arrival minus the last PPS edge before it,
 * in [0, 1) s, both on the system clock (its error cancels). The phase alone is ambiguous by
 * a whole second: a label 0.85 s after edge N is also 0.15 s before edge N+1. Receivers
 * differ: most send the label for the pulse just past (u-blox, MediaTek, SiRF: delay
 * 50-500 ms), others send it *before* the pulse it names (the label announces the next
 * pulse, as some timing receivers and Trimble's do). Numbering pulses by the wrong edge puts
 * every sample a whole second off.
 *
 * How we decide, best evidence first:
 * 1. a reference: arrival minus label on a system clock that chronyd keeps synchronised to
 *    a source other than this receiver (an NTP server, another refclock). That is the
 *    delay itself to within the clock's error, so it picks the whole second outright;
 * 2. what was learned from such a reference earlier (the receiver's behaviour does not
 *    change from one second to the next);
 * 3. what the operator configured (`timekeeper.nmeaOffset.labelNames`): the receiver's
 *    documented behaviour;
 * 4. the phase, only where it cannot be wrong by a second: a label in the first half of the
 *    second names the pulse before it. One in the second half is *ambiguous*: it is either
 *    sent before the pulse it names (delay -0.5..0 s) or that late after the one before,
 *    and nothing on this machine tells which. We do not guess a whole second; the caller
 *    refuses to calibrate on it (with an alarm that says how to settle it), unless
 *    `allowLateLabel` says such a receiver really is that late.
 * Pure: numbers in, a verdict out.
 */
export type LabelNames = 'previous-pulse' | 'next-pulse';

export interface LabelDelay {
  /** Delay of the label after the edge it names, seconds, in [-1, 1). */
  delayS: number;
  names: LabelNames;
  /** What fixed the whole second. */
  basis: 'reference' | 'learned' | 'configured' | 'phase';
}

/** A label in the second half of the second with nothing to say which pulse it names. */
export interface AmbiguousLabel {
  ambiguous: true;
  phaseS: number;
}

export interface LabelDelayInput {
  /** Arrival minus the last PPS edge before it, seconds, [0, 1). */
  phaseS: number;
  /** Arrival minus label on a clock synchronised elsewhere, seconds; null without one. */
  referenceS: number | null;
  /** The receiver's behaviour learned from a reference earlier, or null. */
  learned: LabelNames | null;
  /** The receiver's behaviour as the operator configured it, or null (auto). */
  configured?: LabelNames | null;
  allowLateLabel: boolean;
  /** How close the reference must come to a whole-second shift of the phase. Default 0.1 s. */
  referenceToleranceS?: number;
}

/** Null when the phase is not in [0, 1) or the reference puts the label more than a second from its pulse. */
export function labelDelay(i: LabelDelayInput): LabelDelay | AmbiguousLabel | null {
  const p = i.phaseS;
  if (!(p >= 0 && p < 1)) return null;
  if (i.referenceS !== null && Number.isFinite(i.referenceS)) {
    const delay = p + Math.round(i.referenceS - p);
    if (Math.abs(delay - i.referenceS) <= (i.referenceToleranceS ?? 0.1)) {
      if (delay < -1 || delay >= 1) return null;
      return { delayS: delay, names: delay >= 0 ? 'previous-pulse' : 'next-pulse', basis: 'reference' };
    }
    // The reference is too far from any whole-second shift: that clock is not good enough now.
  }
  if (i.learned !== null) return { delayS: i.learned === 'previous-pulse' ? p : p - 1, names: i.learned, basis: 'learned' };
  const configured = i.configured ?? null;
  if (configured !== null) return { delayS: configured === 'previous-pulse' ? p : p - 1, names: configured, basis: 'configured' };
  if (p < 0.5 || i.allowLateLabel) return { delayS: p, names: 'previous-pulse', basis: 'phase' };
  return { ambiguous: true, phaseS: p };
}

export function isAmbiguous(d: LabelDelay | AmbiguousLabel): d is AmbiguousLabel {
  return 'ambiguous' in d;
}

/** A delay in the second half of the second either way: a whole-second mistake is one jitter away. */
export function isLateLabel(delayS: number): boolean {
  return delayS >= 0.5 || delayS < -0.5;
}
