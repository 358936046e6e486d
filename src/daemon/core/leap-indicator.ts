import type { TimekeeperTracking } from './timekeeper-types.js';
import type { UtcTime } from './utc-time.js';

/**
 * The leap indicator to put in a SOCK sample (chrony: 0 none, 1 insert, 2 delete) or an NTP
 * SHM sample (the same codes as NTP's LI) labelled `label`: a leap second the timekeeper has
 * announced (chronyc tracking "Leap status", from leapsectz/leapseclist or its sources)
 * happens at the end of the UTC day it is announced on, so the indicator is set only while
 * the label's day is the last day of its month, the only days IERS may end with a leap
 * second; on any other day an announcement (a stale or wrong one) is not repeated back.
 * Pure: a label and a status.
 */
export function leapIndicatorFor(label: UtcTime | null, announced: TimekeeperTracking['leap'] | undefined): 0 | 1 | 2 {
  if (label === null || (announced !== 'insert' && announced !== 'delete')) return 0;
  const lastDay = new Date(Date.UTC(label.year, label.month, 0)).getUTCDate();
  if (label.day !== lastDay) return 0;
  return announced === 'insert' ? 1 : 2;
}
