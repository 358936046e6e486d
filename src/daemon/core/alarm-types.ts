import type { ApplianceState } from './appliance-state.js';

/**
 * Alarms as every surface sees them (status, MCP, fleet). Severities follow ITU-T X.733's
 * perceived severity (critical, major, minor, warning) plus `info` for notices that need no
 * action (a leap second announced, a configuration reload), as appliance front panels do.
 */
export type AlarmSeverity = 'critical' | 'major' | 'minor' | 'warning' | 'info';

export const SEVERITY_RANK: Record<AlarmSeverity, number> = { critical: 0, major: 1, minor: 2, warning: 3, info: 4 };

export interface Alarm {
  /** Stable identifier (e.g. `pps-missing`): what fleet and MCP clients key on. */
  id: string;
  severity: AlarmSeverity;
  /** When the condition was first seen (ms); debouncing delays the raise, not this. */
  since: number;
  /** Plain language, with the numbers that matter; may change while the alarm is active. */
  message: string;
}

export interface ClearedAlarm extends Alarm {
  /** When the condition went away for good (ms): the start of the quiet period that cleared it. */
  clearedAt: number;
}

/** The `alarms` section of ApplianceState: JSON-serialisable, what the control socket returns. */
export interface AlarmsState {
  /** Most severe first, then oldest first. */
  active: Alarm[];
  /** Cleared alarms, newest first, bounded by alarms.historySize. */
  history: ClearedAlarm[];
  raised: number; // since the daemon started
  cleared: number;
}

export function initialAlarmsState(): AlarmsState {
  return { active: [], history: [], raised: 0, cleared: 0 };
}

/** Facts the rules need that are not in ApplianceState (config, files, events); all plain values. */
export interface AlarmInputs {
  now: number; // ms
  offsetLimitS: number;
  ppsStaleMs: number;
  leapFileWarnMs: number;
  /** Expiry of the leap-seconds file (its `#@` line), ms; null when unknown or not present. */
  leapFileExpiresAt: number | null;
  /** Last reload that changed the configuration, ms; null when none. */
  configChangedAt: number | null;
  configChangedHoldMs: number;
}

/** What a rule reports while its condition holds. */
export interface AlarmCondition {
  severity: AlarmSeverity;
  message: string;
  /** When the condition really began, if the rule knows better than "first seen" (ms). */
  since?: number;
}

export interface AlarmRule {
  id: string;
  /** `none`: raise and clear at once (events and slow file facts that cannot flap). */
  debounce: 'normal' | 'none';
  check(state: ApplianceState, inputs: AlarmInputs): AlarmCondition | null;
}

export interface AlarmPolicy {
  raiseAfterMs: number;
  clearAfterMs: number;
  historySize: number;
}
