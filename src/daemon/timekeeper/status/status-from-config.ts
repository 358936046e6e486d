import type { TimekeeperRefclocks } from '../../core/timekeeper-types.js';
import type { Config } from '../../../config/schema.js';
import { ChronycClient } from './chronyc-client.js';
import type { TimekeeperStatusReader } from './timekeeper-status-service.js';

type TimekeeperConfig = Config['timekeeper'];

/** The status reader for the configured timekeeper; null when there is none to ask. */
export function statusReaderFor(tk: TimekeeperConfig): TimekeeperStatusReader | null {
  if (tk.kind === 'chrony') return new ChronycClient({ commandSocket: tk.chrony.commandSocket });
  return null; // ntpsec: see the report (ntpq reader not wired yet)
}

/** The refids stratum1d renders (refid NMEA / refid PPS) and where their samples come from. */
export function refclocksFor(tk: TimekeeperConfig): TimekeeperRefclocks | null {
  if (tk.kind === 'none') return null;
  const chrony = tk.kind === 'chrony';
  return {
    nmeaRefId: 'NMEA',
    ppsRefId: tk.pps.kind === 'none' ? null : 'PPS',
    nmeaFeed: chrony ? tk.chrony.sockPath : `NTP SHM unit ${tk.ntpsec.shmUnit}`,
    ppsDevice: tk.pps.kind === 'kernel' ? tk.pps.device : null,
  };
}
