import type { ApplianceState } from '../core/appliance-state.js';

/** The fields the RTC service publishes beyond a plain reading (access path, drift, writes, trim, boot). */
export type RtcStateExtension = Pick<ApplianceState['rtc'], 'access' | 'note' | 'drift' | 'lastWrite' | 'trim' | 'boot'>;

export type RtcPatch = Partial<ApplianceState['rtc']>;

/** The reference is good enough to measure against and to write the RTC from. */
export function referenceValid(s: ApplianceState): boolean {
  const ppsOk = s.pps.source === null || s.pps.link === 'open';
  return s.gnss.trust.timeValid && ppsOk && s.timekeeper.synced !== false;
}
