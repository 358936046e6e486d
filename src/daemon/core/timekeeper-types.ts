/**
 * What the appliance knows about its timekeeper (chrony or ntpsec), normalised so that
 * surfaces (status, MCP, fleet) need not know which one runs. Field-level typing of chronyc's
 * CSV records lives with the parser; here is what every reader may rely on.
 */
export type SourceState =
  | 'selected'
  | 'combined'
  | 'not combined'
  | 'unreachable'
  | 'falseticker'
  | 'too variable'
  | 'unknown';

export interface TimeSource {
  name: string; // refid for refclocks (NMEA, PPS), address for servers
  kind: 'refclock' | 'server' | 'peer' | 'local';
  state: SourceState;
  stratum: number | null;
  reach: number | null; // 8-bit reach register
  lastSampleAgoS: number | null;
  offsetS: number | null; // last sample, adjusted
  errorS: number | null; // estimated error of that sample
  stdDevS: number | null; // from sourcestats
}

export interface TimekeeperTracking {
  refId: string | null;
  refName: string | null;
  stratum: number | null;
  systemOffsetS: number | null; // how far the system clock is from true, per the timekeeper
  rootDelayS: number | null;
  rootDispersionS: number | null;
  frequencyPpm: number | null;
  skewPpm: number | null;
  leap: 'normal' | 'insert' | 'delete' | 'unsynchronised' | null;
}

export interface NmeaOffsetEstimate {
  /** Delay of the NMEA label after the PPS edge (or true time), seconds; what chrony's `offset` gets. */
  valueS: number;
  spreadS: number | null; // robust spread (MAD-based) of the samples
  samples: number;
  source: 'initial' | 'calibrated' | 'persisted';
  reference: 'pps' | 'system-clock' | null;
  updatedAt: number | null; // ms
}

export interface TimekeeperFeedStats {
  sockSent: number;
  sockFailed: number; // chronyd absent or refusing; retried next epoch
  ppsSent: number;
  shmWrites: number;
  lastError: string | null;
}

export interface TimekeeperState {
  kind: 'chrony' | 'ntpsec' | 'none';
  reachable: boolean; // the last status query worked
  lastError: string | null;
  synced: boolean | null;
  tracking: TimekeeperTracking | null;
  sources: TimeSource[];
  /** Plain-language diagnoses, most important first (e.g. "NMEA offset too large for PPS lock"). */
  explanations: string[];
  feed: TimekeeperFeedStats;
  nmeaOffset: NmeaOffsetEstimate | null;
  updatedAt: number | null;
}

export function initialTimekeeperState(kind: TimekeeperState['kind']): TimekeeperState {
  return {
    kind,
    reachable: false,
    lastError: null,
    synced: null,
    tracking: null,
    sources: [],
    explanations: [],
    feed: { sockSent: 0, sockFailed: 0, ppsSent: 0, shmWrites: 0, lastError: null },
    nmeaOffset: null,
    updatedAt: null,
  };
}
