/**
 * What a renderer needs besides the Config: facts about this machine and this moment, gathered
 * by the caller (apply/gather-facts.ts) so the renderers stay pure and golden-testable.
 */
export interface RenderFacts {
  /** e.g. `stratum1d 0.1.0`; written into the header so an operator knows who wrote the file. */
  generator: string;
  /** The stratum1d config file the output was rendered from, or `(defaults)`. */
  configSource: string;
  /**
   * NMEA time label delay, seconds, positive when the label arrives after the second it names.
   * Rendered as the refclock's `offset` (chrony) / fudge (ntpsec), which both add it to the
   * label's samples (chrony.conf(5), refclock `offset`; ntpsec driver_shm `time1`).
   */
  nmeaOffsetS: number;
  /** Where nmeaOffsetS came from, for the header (e.g. `calibrated, 128 samples`). */
  offsetSource: string;
  /** The daemon disciplines the RTC itself: chronyd must not (`rtcsync` left out). */
  daemonManagesRtc: boolean;
  /** Does this device or file exist? (A refclock for a missing device stops chronyd starting.) */
  pathExists: (path: string) => boolean;
  /** Does this network interface exist (for `hwtimestamp`)? */
  interfaceExists: (name: string) => boolean;
  /**
   * The kernel PPS source `pps.kernel.device` resolves to now, found by the monitor's finder
   * (drivers/pps/sysfs-pps.ts): what `timekeeper.pps.device: auto` renders. Absent: not gathered
   * (then `auto` cannot be rendered and the PPS refclock is left out with a note).
   */
  kernelPps?: KernelPpsFact;
}

export interface KernelPpsFact {
  /** What `pps.kernel.device` asks for (`auto`, `ppsN`, a name). */
  want: string;
  /** The source found; null when none matched (then `reason` says what was seen). */
  found: { id: string; device: string; name: string; driver: string | null } | null;
  reason: string | null;
  /** A stable udev name (`/dev/pps-gpio`, systemd/stratum1d-udev.rules) that resolves to `found`. */
  stableName: string | null;
}

export interface RenderNote {
  level: 'info' | 'warn';
  message: string;
}

export interface Rendered {
  /** The file's content, ending with a newline. */
  text: string;
  /** What was left out or changed and why, for the operator. */
  notes: RenderNote[];
}
