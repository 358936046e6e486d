import type { ApplianceState } from './appliance-state.js';

/** The timekeeper reads one kernel PPS device while stratum1d monitors another. */
export interface PpsDeviceDisagreement {
  daemon: 'chronyd' | 'ntpd';
  /** As configured, e.g. `/dev/pps0`. */
  configured: string;
  /** What `configured` resolves to; null when it does not exist. */
  configuredTarget: string | null;
  /** Where `configured` was read: the installed include file, or `config`. */
  from: string;
  /** The monitored source's node, e.g. `/dev/pps1`. */
  monitored: string;
  /** Its sysfs name, e.g. `pps@12.-1`; null when not known. */
  monitoredName: string | null;
}

/**
 * Compares the kernel PPS device the timekeeper was told to read (timekeeper.refclocks,
 * re-read from the installed include) with the source the PPS monitor follows (pps.device is
 * `/dev/ppsN (name)` for kernel PPS). Only when both are known: a GPIO source, no monitored
 * device yet, or an unresolved `auto` say nothing.
 */
export function ppsDeviceDisagreement(s: ApplianceState): PpsDeviceDisagreement | null {
  const rc = s.timekeeper.refclocks;
  if (s.timekeeper.kind === 'none' || !rc || rc.ppsDevice === null || rc.ppsDevice === 'auto') return null;
  if (s.pps.link !== 'open' || s.pps.device === null) return null;
  const m = /^(\/dev\/pps\d+)(?: \((.*)\))?$/.exec(s.pps.device);
  if (!m) return null;
  const monitored = m[1]!;
  const target = rc.ppsDeviceTarget === undefined ? rc.ppsDevice : rc.ppsDeviceTarget;
  if (target === monitored) return null;
  return {
    daemon: s.timekeeper.kind === 'ntpsec' ? 'ntpd' : 'chronyd',
    configured: rc.ppsDevice,
    configuredTarget: target,
    from: rc.ppsDeviceFrom ?? 'config',
    monitored,
    monitoredName: m[2] ?? null,
  };
}

/** One sentence for alarms and explanations. */
export function describePpsDisagreement(d: PpsDeviceDisagreement): string {
  const where = d.from === 'config' ? 'timekeeper.pps.device' : d.from;
  const configured =
    d.configuredTarget === null
      ? `${d.configured}, which does not exist`
      : d.configuredTarget !== d.configured
        ? `${d.configured} (${d.configuredTarget})`
        : d.configured;
  const monitored = `${d.monitored}${d.monitoredName ? ` "${d.monitoredName}"` : ''}`;
  return (
    `${d.daemon} reads PPS from ${configured} (${where}) but stratum1d monitors the PPS on ${monitored}: ` +
    `${d.daemon} can lock to another pulse (pps-ktimer, a USB receiver) while status reports this one ok; ` +
    'run `stratum1d config apply` with timekeeper.pps.device: auto'
  );
}
