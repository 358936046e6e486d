import type { ApplianceState } from '../core/appliance-state.js';
import type { LeapPending } from './epoch/jump-rule.js';
import type { TimeReferences } from './epoch/reference-check.js';

/**
 * The clocks a GNSS label is held against, read from the appliance state.
 *
 * The system clock counts only when the timekeeper is synchronised to a source that is not
 * fed from this receiver: our NMEA refclock, and the PPS refclock that takes its whole
 * second from it (`lock NMEA`), would make the check circular. A receiver that was wrong
 * from boot (GPS time instead of UTC, say) would otherwise be held to its own mistake.
 *
 * The RTC counts while it holds a valid time (oscillator never stopped) and was readable.
 */
export function timeReferencesOf(s: ApplianceState): TimeReferences {
  const tk = s.timekeeper;
  const ours = new Set([tk.refclocks?.nmeaRefId ?? 'NMEA', tk.refclocks?.ppsRefId ?? 'PPS']);
  const independent = tk.sources.some((x) => x.state === 'selected' && !ours.has(x.name));
  const rtc = s.rtc;
  const rtcOk = rtc.model !== null && rtc.readable && rtc.oscillatorStopped !== true && rtc.offsetMs !== null;
  return {
    systemClockSynced: tk.kind !== 'none' && tk.reachable && tk.synced === true && independent,
    rtcOffsetMs: rtcOk ? rtc.offsetMs : null,
  };
}

/** The leap second the timekeeper announces for the end of today (chronyc tracking "Leap status"). */
export function leapPendingOf(s: ApplianceState): LeapPending {
  const leap = s.timekeeper.tracking?.leap ?? null;
  return leap === 'insert' || leap === 'delete' ? leap : null;
}
