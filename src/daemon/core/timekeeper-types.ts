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
  | 'not selectable'
  | 'falseticker'
  | 'too variable'
  | 'unknown';

/**
 * One source as the timekeeper sees it. Offsets use chrony's sign (chronyc(1), "sources"):
 * positive means the local clock is ahead of the source, so a GNSS time label that arrives
 * late shows as a positive NMEA offset. ntpq's offsets (source minus local) are negated.
 */
export interface TimeSource {
  name: string; // refid for refclocks (NMEA, PPS), address for servers
  kind: 'refclock' | 'server' | 'peer' | 'local';
  /**
   * chronyc's `?` is "not selectable for other reasons" (chronyc(1), sources: unreachable,
   * not synchronised, too few measurements, `noselect`): with reach 0 it is 'unreachable',
   * with samples arriving (reach > 0) it is 'not selectable', never "unreachable".
   */
  state: SourceState;
  stratum: number | null;
  reach: number | null; // 8-bit reach register; 0: no sample in the last 8 polls
  lastSampleAgoS: number | null;
  offsetS: number | null; // last sample, adjusted
  errorS: number | null; // estimated error of that sample
  stdDevS: number | null; // from sourcestats
}

/** The refclocks stratum1d configured, so that explanations can name what should be there. */
export interface TimekeeperRefclocks {
  nmeaRefId: string; // e.g. NMEA
  ppsRefId: string | null; // e.g. PPS; null: no PPS refclock configured
  /** Where stratum1d sends its NMEA samples (a SOCK path, or an SHM unit for ntpsec). */
  nmeaFeed: string | null;
  /** The kernel PPS device the timekeeper reads itself; null when the daemon feeds PPS. */
  ppsDevice: string | null;
  /** Where ppsDevice was read: the installed include file, else `config`. Absent: config. */
  ppsDeviceFrom?: string;
  /** The node ppsDevice resolves to (a udev symlink followed); null: absent or unknown. */
  ppsDeviceTarget?: string | null;
}

export interface TimekeeperTracking {
  refId: string | null;
  refName: string | null;
  stratum: number | null;
  systemOffsetS: number | null; // system clock minus true time, per the timekeeper
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
  /** Which PPS edge the receiver's labels name (core/label-pulse.ts); null before PPS samples. */
  labelNames?: 'previous-pulse' | 'next-pulse' | null;
  /** What fixed the whole second: a reference clock synchronised elsewhere, what one taught earlier, the operator's setting, or the phase alone. */
  wholeSecond?: 'reference' | 'learned' | 'configured' | 'phase' | null;
  /**
   * Why the latest measurement was not taken (it lands in the second half of the second and
   * timekeeper.nmeaOffset.allowLateLabel is off); the value in use is the one before. Null: none refused.
   */
  refused?: string | null;
}

export interface TimekeeperFeedStats {
  sockSent: number;
  sockFailed: number; // chronyd absent or refusing; retried next epoch
  ppsSent: number;
  shmWrites: number;
  lastError: string | null;
  /**
   * NMEA epochs not sent because their arrival stamp disagreed with the recent arrivals by
   * more than timekeeper.nmeaOffset.maxArrivalErrorS (an event-loop or serial stall): a label
   * stamped late would move the timekeeper. Absent before the first epoch.
   */
  stalledDropped?: number;
  /** The largest arrival disagreement dropped so far, seconds. */
  worstStallS?: number | null;
  /** The NTP SHM segment as attached (ntpsec feed only). */
  shm?: { layout: string | null; layoutReason: string | null; mode: string | null; worldWritable: boolean; barrier: string };
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
  refclocks: TimekeeperRefclocks | null;
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
    refclocks: null,
    feed: { sockSent: 0, sockFailed: 0, ppsSent: 0, shmWrites: 0, lastError: null },
    nmeaOffset: null,
    updatedAt: null,
  };
}

/** How long after start an unsynchronised timekeeper is still "synchronising"; longer is a failure (GET /health and MCP get_health alike). */
export const SYNC_GRACE_MS = 15 * 60_000;
