/**
 * How the GNSS time label compares with the appliance's other clocks, and the last time the
 * label jumped. Set by daemon/gnss on every epoch; read by the alarm rules, status and MCP.
 * Plain JSON values only (the control socket returns them as they are).
 */
export type GnssTimeReference = 'system clock' | 'RTC';

export interface GnssTimeCheck {
  /** `unchecked`: no reference clock to compare with (no RTC, system clock not synchronised). */
  verdict: 'agrees' | 'disagrees' | 'unchecked';
  reference: GnssTimeReference | null;
  /** Label minus the reference at the label's arrival, seconds; null when unchecked. */
  disagreementS: number | null;
  /** The bound the disagreement was held to, seconds; null when unchecked. */
  limitS: number | null;
  /** Weeks added to the receiver's date by the build-date floor (0, 1024, 2048). */
  rolloverWeeks: number;
  /** The date and time as the receiver sent it (ISO), when it was corrected or disagrees. */
  receiverTime: string | null;
  /** Why the label is not trusted, in plain words; null when it agrees or is unchecked. */
  message: string | null;
}

export type GnssStepKind = 'jump' | 'leap-count' | 'leap-second';

/** A discontinuity of the label: `jump` and `leap-count` restart the trust count, `leap-second` does not. */
export interface GnssTimeStep {
  kind: GnssStepKind;
  /** Arrival (wall-clock ms, or the line number in a log) of the epoch after the step. */
  at: number;
  /** The label after the step (ISO). */
  label: string;
  /** How far the label moved beyond the elapsed time, seconds (null when no arrival clock). */
  excessS: number | null;
  message: string;
}

export function uncheckedTime(rolloverWeeks = 0, receiverTime: string | null = null): GnssTimeCheck {
  return { verdict: 'unchecked', reference: null, disagreementS: null, limitS: null, rolloverWeeks, receiverTime, message: null };
}

/** One line for status and MCP: what the label was held against, and the outcome. */
export function describeTimeCheck(c: GnssTimeCheck | undefined): string {
  if (!c) return 'not checked yet';
  const corrected = c.rolloverWeeks ? `; receiver date ${c.receiverTime?.slice(0, 10) ?? '?'} corrected by ${c.rolloverWeeks} weeks (GPS week rollover)` : '';
  if (c.verdict === 'unchecked') return `no reference clock (no RTC, system clock not synchronised elsewhere)${corrected}`;
  if (c.verdict === 'disagrees') return `DISAGREES: ${c.message ?? ''}`;
  const d = c.disagreementS ?? 0;
  return `agrees with the ${c.reference} (${d >= 0 ? '+' : ''}${d.toFixed(3)} s, limit ${c.limitS} s)${corrected}`;
}
