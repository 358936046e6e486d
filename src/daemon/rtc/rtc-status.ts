import type { ApplianceState } from '../core/appliance-state.js';
import type { DriftEstimate } from '../core/rtc-drift.js';

/**
 * Fields the RTC service publishes in the `rtc` section beyond the foundation's RtcState.
 * The lead merges these into RtcState (core/appliance-state.ts); until then the store carries
 * them at runtime (the section is spread), and status shows them.
 */
export interface RtcStateExtension {
  access: 'i2c' | 'kernel' | 'simulated' | null;
  /** Why this access path (e.g. "address busy: using the kernel RTC"). */
  note: string | null;
  drift: (DriftEstimate & { updatedAt: number; source: 'measured' | 'persisted' }) | null;
  lastWrite: { at: number; reason: string } | null;
  trim: { value: number; ppmPerStep: number; lastChangeAt: number | null } | null;
  /** What happened at start when the system clock was unsynchronised. */
  boot: { unsynchronised: boolean | null; rtcTimeMs: number | null; systemClockSet: boolean; error: string | null } | null;
}

export type RtcPatch = Partial<ApplianceState['rtc'] & RtcStateExtension>;

/** The reference is good enough to measure against and to write the RTC from. */
export function referenceValid(s: ApplianceState): boolean {
  const ppsOk = s.pps.source === null || s.pps.link === 'open';
  return s.gnss.trust.timeValid && ppsOk && s.timekeeper.synced !== false;
}
