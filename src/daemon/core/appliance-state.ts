import type { Fix, Sky } from './fix.js';
import type { GnssTimeCheck, GnssTimeStep } from './gnss-time-check.js';
import { initialTimekeeperState, type TimekeeperState } from './timekeeper-types.js';
import type { PpsHealth } from './pps-tracker.js';
import { type AlarmsState, initialAlarmsState } from './alarm-types.js';
import { initialHoldoverStatus, type HoldoverStatus } from './holdover.js';
import type { DriftEstimate } from './rtc-drift.js';
import { initialFleetStatus, type FleetStatus } from './fleet-status.js';
import { initialReloadStatus, type ReloadStatus } from './reload-status.js';

/**
 * The one in-memory model of the appliance. Services replace sections through
 * ApplianceStore.update; every surface (control socket, sd_notify STATUS, later MCP, gpsd
 * JSON and fleet) reads immutable snapshots, so no reader ever sees a half-applied change.
 */
export type LinkState = 'connecting' | 'open' | 'down';

export interface GnssTrust {
  timeValid: boolean;
  validStreak: number;
  needed: number;
  /** The latest label against the RTC / a synchronised system clock (gnss-time-check.ts). */
  check?: GnssTimeCheck;
  /** The latest jump, leap-count correction or leap second of the label. */
  lastStep?: GnssTimeStep | null;
}

export interface GnssState {
  device: string;
  link: LinkState;
  linkSince: number; // ms
  reconnects: number; // successful re-opens after a loss
  lastError: string | null;
  fix: Fix | null; // latest epoch
  sky: Sky | null;
  trust: GnssTrust;
  antenna: 'ok' | 'open' | 'short' | null;
  /** The decoder's counters (lines, sentences by type, rejects by reason): JSON-serialisable. */
  counters: Record<string, unknown>;
}

export interface PulseRecord {
  sec: number;
  nsec: number;
  seq: number;
}

export interface PpsState {
  source: string | null; // null: no PPS configured
  link: LinkState | 'absent';
  lastEdge: PulseRecord | null;
  pulses: number;
  missed: number; // sequence gaps
  /** The device the source resolved to (`/dev/pps1`, `/dev/gpiochip0:18`); null until open. */
  device: string | null;
  /** The PPS tracker's assessment (condition, rate, interval, offset/jitter); null until evaluated. */
  health: PpsHealth | null;
}

export interface RtcState {
  model: string | null; // null: no RTC
  readable: boolean;
  timeMs: number | null; // last reading
  offsetMs: number | null; // RTC minus system clock at the reading
  oscillatorStopped: boolean | null;
  batteryLow: boolean | null;
  temperatureC: number | null;
  readAt: number | null;
  lastError: string | null;
  access: 'i2c' | 'kernel' | 'simulated' | null;
  /** Why this access path (e.g. "address busy: using the kernel RTC"). */
  note: string | null;
  drift: (DriftEstimate & { updatedAt: number; source: 'measured' | 'persisted' }) | null;
  lastWrite: { at: number; reason: string } | null;
  trim: { value: number; ppmPerStep: number; lastChangeAt: number | null } | null;
  /** What happened at start when the system clock was unsynchronised. */
  boot: { unsynchronised: boolean | null; rtcTimeMs: number | null; systemClockSet: boolean; error: string | null } | null;
}

export interface ApplianceState {
  version: string;
  pid: number;
  startedAt: number;
  mode: 'simulate' | 'hardware';
  configSource: string;
  gnss: GnssState;
  pps: PpsState;
  rtc: RtcState;
  timekeeper: TimekeeperState;
  alarms: AlarmsState;
  holdover: HoldoverStatus;
  fleet: FleetStatus;
  /** The last SIGHUP's outcome and the keys waiting for a restart (absent in hand-built test states). */
  reload?: ReloadStatus;
}

export function initialState(init: {
  version: string;
  pid: number;
  startedAt: number;
  mode: ApplianceState['mode'];
  configSource: string;
  gnssDevice: string;
  timeValidAfter: number;
  ppsSource: string | null;
  rtcModel: string | null;
  timekeeper?: TimekeeperState['kind'];
  holdoverBudgetS?: number;
}): ApplianceState {
  return {
    version: init.version,
    pid: init.pid,
    startedAt: init.startedAt,
    mode: init.mode,
    configSource: init.configSource,
    gnss: {
      device: init.gnssDevice,
      link: 'connecting',
      linkSince: init.startedAt,
      reconnects: 0,
      lastError: null,
      fix: null,
      sky: null,
      trust: { timeValid: false, validStreak: 0, needed: init.timeValidAfter },
      antenna: null,
      counters: {},
    },
    pps: { source: init.ppsSource, link: init.ppsSource ? 'connecting' : 'absent', lastEdge: null, pulses: 0, missed: 0, device: null, health: null },
    rtc: {
      model: init.rtcModel,
      readable: false,
      timeMs: null,
      offsetMs: null,
      oscillatorStopped: null,
      batteryLow: null,
      temperatureC: null,
      readAt: null,
      lastError: null,
      access: null,
      note: null,
      drift: null,
      lastWrite: null,
      trim: null,
      boot: null,
    },
    timekeeper: initialTimekeeperState(init.timekeeper ?? 'none'),
    alarms: initialAlarmsState(),
    holdover: initialHoldoverStatus(init.holdoverBudgetS ?? 0.001),
    fleet: initialFleetStatus(false, null),
    reload: initialReloadStatus(),
  };
}

export type StateListener = (next: ApplianceState, prev: ApplianceState) => void;

export class ApplianceStore {
  #state: ApplianceState;
  readonly #listeners = new Set<StateListener>();

  constructor(initial: ApplianceState) {
    this.#state = Object.freeze(initial);
  }

  get snapshot(): ApplianceState {
    return this.#state;
  }

  /** Replaces one section; listeners see the new and the previous snapshot. */
  update<K extends 'gnss' | 'pps' | 'rtc' | 'timekeeper' | 'alarms' | 'holdover' | 'fleet' | 'reload'>(section: K, patch: Partial<ApplianceState[K]>): void {
    const prev = this.#state;
    const next = Object.freeze({ ...prev, [section]: Object.freeze({ ...prev[section], ...patch }) });
    this.#state = next;
    for (const l of this.#listeners) {
      try {
        l(next, prev);
      } catch {
        // A broken listener must not stop the others or the writer; it owns its own errors.
      }
    }
  }

  subscribe(listener: StateListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
