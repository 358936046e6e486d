import type { TimekeeperRefclocks } from '../../core/timekeeper-types.js';
import type { Config } from '../../../config/schema.js';
import { ChronycClient } from './chronyc-client.js';
import { NtpqClient } from './ntpq-client.js';
import type { TimekeeperStatusReader } from './timekeeper-status-service.js';
import { findKernelPps } from '../../../drivers/pps/sysfs-pps.js';
import { readInstalledPpsDevice } from './installed-pps-device.js';

type TimekeeperConfig = Config['timekeeper'];

/** The status reader for the configured timekeeper; null when there is none to ask. */
export function statusReaderFor(tk: TimekeeperConfig): TimekeeperStatusReader | null {
  if (tk.kind === 'chrony') return new ChronycClient({ commandSocket: tk.chrony.commandSocket });
  if (tk.kind === 'ntpsec') return new NtpqClient({ ntpq: tk.ntpsec.ntpqCommand });
  return null;
}

/**
 * The refids stratum1d renders and where their samples come from: chrony's include names the
 * refclocks NMEA and PPS; the ntpsec fragment names the NMEA source GPS (shm or gpsd driver)
 * and has a PPS refclock only for kernel PPS (ntpd cannot take GPIO edges from us).
 */
export function refclocksFor(tk: TimekeeperConfig): TimekeeperRefclocks | null {
  if (tk.kind === 'none') return null;
  if (tk.kind === 'chrony') {
    return {
      nmeaRefId: 'NMEA',
      ppsRefId: tk.pps.kind === 'none' ? null : 'PPS',
      nmeaFeed: tk.chrony.sockPath,
      ppsDevice: tk.pps.kind === 'kernel' ? tk.pps.device : null,
    };
  }
  return {
    nmeaRefId: 'GPS',
    ppsRefId: tk.pps.kind === 'kernel' ? 'PPS' : null,
    nmeaFeed: tk.ntpsec.driver === 'shm' ? `NTP SHM unit ${tk.ntpsec.shmUnit}` : 'gpsd JSON (refclock gpsd)',
    ppsDevice: tk.pps.kind === 'kernel' ? tk.pps.device : null,
  };
}

/**
 * refclocksFor, re-read at every status poll: with kernel PPS under chrony, the device comes
 * from the installed include (what chronyd was really told), so the pps-device-mismatch alarm
 * compares the monitored source with the file, not with the config that may never have been
 * applied. Without a readable include: the configured device (`auto` resolved as the monitor does).
 */
export function liveRefclocksFor(config: Config): () => TimekeeperRefclocks | null {
  const tk = config.timekeeper;
  return () => {
    const rc = refclocksFor(tk);
    if (!rc || rc.ppsDevice === null) return rc;
    const installed = tk.kind === 'chrony' ? readInstalledPpsDevice(tk.chrony.includeFile) : null;
    if (installed) return { ...rc, ppsDevice: installed.device, ppsDeviceFrom: installed.file, ppsDeviceTarget: installed.target };
    if (rc.ppsDevice !== 'auto') return { ...rc, ppsDeviceFrom: 'config' };
    const found = findKernelPps(config.pps.kernel.device, config.pps.kernel.sysfsRoot);
    return { ...rc, ppsDevice: found.ok ? found.device.device : 'auto', ppsDeviceFrom: 'config' };
  };
}
