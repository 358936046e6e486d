import type { TimeSource, TimekeeperTracking } from '../../core/timekeeper-types.js';
import type { ChronySourceRecord, ChronySourceStatsRecord, ChronyTrackingRecord } from './chronyc-records.js';

/** What one status query of a timekeeper yields, whichever timekeeper it is. */
export interface TimekeeperReading {
  synced: boolean;
  tracking: TimekeeperTracking;
  sources: TimeSource[];
}

const LOCAL_REFID = '7F7F0101';

export function chronyReading(
  tracking: ChronyTrackingRecord,
  sources: readonly ChronySourceRecord[],
  stats: readonly ChronySourceStatsRecord[],
): TimekeeperReading {
  const statsByName = new Map(stats.map((s) => [s.name, s]));
  return {
    // chronyd reports refid 0 and "Not synchronised" until a source has been selected, and
    // refid 7F7F0101 (127.127.1.1) when only its `local` directive serves (chronyc(1), tracking).
    synced: tracking.leap !== 'unsynchronised' && tracking.refIdHex !== '00000000' && tracking.refIdHex !== LOCAL_REFID,
    tracking: {
      refId: tracking.refIdHex === '00000000' ? null : tracking.refIdHex,
      refName: tracking.refName,
      stratum: tracking.stratum,
      systemOffsetS: -tracking.systemTimeS, // "slow of NTP time" is positive in chronyc
      rootDelayS: tracking.rootDelayS,
      rootDispersionS: tracking.rootDispersionS,
      frequencyPpm: tracking.frequencyPpm,
      skewPpm: tracking.skewPpm,
      leap: tracking.leap,
    },
    sources: sources.map((s) => {
      const never = s.lastRxS === null;
      return {
        name: s.name,
        kind: s.mode,
        state: s.state,
        stratum: s.stratum,
        reach: s.reach,
        lastSampleAgoS: s.lastRxS,
        // chronyc prints zeros for a source that never sent a sample: that is no measurement.
        offsetS: never ? null : s.adjustedOffsetS,
        errorS: never ? null : s.errorS,
        stdDevS: sampleStdDev(statsByName.get(s.name)),
      };
    }),
  };
}

/** chronyd reports a placeholder 4 s deviation until a source has samples. */
function sampleStdDev(s: ChronySourceStatsRecord | undefined): number | null {
  return s && s.samples > 0 ? s.stdDevS : null;
}
