import { createHash } from 'node:crypto';
import type { DashboardContext } from './dashboard-context.js';
import { chartColumns, statRows, timeUnit, windowOf, type RangeName } from './device-view.js';
import { buildFleetView, type AlarmLike, type FleetView } from './fleet-view.js';
import { alarmsFragment, deviceSummaryFragment, fleetFragment, statsFragment, timelineFragment } from './pages.js';

/**
 * What the pages, the JSON API and the live streams show, read from the store: the fleet now,
 * one device over a range, and the HTML fragments a live update swaps in.
 */

function fingerprint(s: string): string {
  return createHash('sha256').update(s).digest('base64url').slice(0, 16);
}

const fleetHtml = (view: FleetView, alarms: AlarmLike[]) => ({ 'fleet-live': fleetFragment(view), 'alarms-live': alarmsFragment(alarms) });
/** The fingerprint of what the live fleet fragments show: a page and a poll that render the same have the same one. */
export const fleetFp = (view: FleetView, alarms: AlarmLike[]) => fingerprint(JSON.stringify(fleetHtml(view, alarms)));

export function createViewData(ctx: DashboardContext) {
  const { store } = ctx;

  async function fleetNow(): Promise<{ view: FleetView; alarms: AlarmLike[] }> {
    const [devices, latest, alarms] = await Promise.all([store.devices(), store.latestTelemetry(), ctx.fleetAlarms()]);
    return { view: buildFleetView({ devices, latest, alarms, now: ctx.now(), intervalS: ctx.intervalS }), alarms };
  }

  async function fleetMessage(): Promise<{ msg: string; fp: string }> {
    const { view, alarms } = await fleetNow();
    const html = fleetHtml(view, alarms);
    const fp = fingerprint(JSON.stringify(html));
    return { msg: JSON.stringify({ fp, html }), fp };
  }

  async function deviceData(name: string, range: RangeName) {
    const now = ctx.now();
    const devices = await store.devices();
    const device = devices.find((d) => d.name === name);
    if (!device) return null;
    const w = windowOf(range, now);
    const [rows, events, gaps, latest, alarms] = await Promise.all([
      store.telemetry(name, w.from, w.to, w.resolution),
      store.events(name, w.from, 500),
      store.gapRuns(name),
      store.latestTelemetry(),
      ctx.fleetAlarms(),
    ]);
    const view = buildFleetView({ devices: [device], latest: latest.filter((t) => t.device === name), alarms, now, intervalS: ctx.intervalS });
    const columns = chartColumns(rows);
    return {
      device,
      row: view.rows[0] ?? null,
      range,
      from: w.from,
      now,
      resolution: w.resolution,
      columns,
      units: { offset: timeUnit([...columns.offMin, ...columns.offMax]), pps: timeUnit([...columns.jitter, ...columns.ppsOffset]) },
      events,
      stats: statRows(rows),
      gaps,
    };
  }

  return { fleetNow, fleetMessage, deviceData };
}

export type ViewData = ReturnType<typeof createViewData>;
export type DeviceData = NonNullable<Awaited<ReturnType<ViewData['deviceData']>>>;

export const deviceFragments = (d: DeviceData) => ({
  'device-summary': deviceSummaryFragment(d.row, d.device),
  'device-timeline': timelineFragment(d.events, d.from, Math.max(d.now, d.columns.t.at(-1) ?? 0)),
  'device-stats': statsFragment(d.stats),
});
