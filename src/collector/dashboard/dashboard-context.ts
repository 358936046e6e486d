import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FleetAlarm } from '../fleet-alarms.js';
import type { FleetStore } from '../store/fleet-store.js';

/** What the collector hands the dashboard, and the counters its parts share for stats(). */

export interface DashboardLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface DashboardContext {
  store: FleetStore;
  fleetAlarms(): Promise<FleetAlarm[]>;
  intervalS: number;
  secure: boolean;
  log: DashboardLog;
  now(): number;
  /** Tuning for tests; defaults suit production. */
  options?: { pollMs?: number; heartbeatMs?: number; maxStreams?: number };
}

export interface Dashboard {
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  close(): void;
  stats(): Record<string, number>;
}

export function newCounters() {
  return { logins: 0, loginFailures: 0, loginThrottled: 0, forbidden: 0, csrfRejected: 0, devicesAdded: 0, devicesRevoked: 0, errors: 0 };
}

export type DashboardCounters = ReturnType<typeof newCounters>;
