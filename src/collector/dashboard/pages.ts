import type { DeviceRow, EventRow, GapRow, Role } from '../store/fleet-store.js';
import { alarmTimeline, RANGES, type ChartColumns, type RangeName, type StatRow } from './device-view.js';
import type { AlarmLike, FleetRow, FleetView } from './fleet-view.js';
import { esc, fmtNum, fmtSeconds, fmtTime, jsonForScript, sig3 } from './html.js';
import { PERCENTILES } from './percentiles.js';
import { can } from './roles.js';

/**
 * The dashboard's pages, server-rendered. Fragments that live updates replace (fleet table,
 * alarm list, device summary, timeline, percentile table) are separate functions so the SSE
 * poller renders exactly what the page rendered.
 */

export interface PageUser {
  name: string;
  role: Role;
  csrf: string;
}

interface LayoutOpts {
  title: string;
  user: PageUser | null;
  nav?: 'fleet' | 'alarms' | 'devices' | null;
  /** SSE topic the client subscribes to, with its query. */
  live?: Record<string, string> | null;
  charts?: boolean;
  body: string;
}

export function layout(o: LayoutOpts): string {
  const liveAttrs = o.live ? Object.entries(o.live).map(([k, v]) => ` data-live-${esc(k)}="${esc(v)}"`).join('') : '';
  const navLink = (href: string, key: LayoutOpts['nav'], text: string) => `<a href="${href}"${o.nav === key ? ' aria-current="page"' : ''}>${text}</a>`;
  const header = o.user
    ? `<header class="top"><a class="brand" href="/">stratum1d fleet</a><nav>${navLink('/', 'fleet', 'Fleet')}${navLink('/alarms', 'alarms', 'Alarms')}${navLink('/devices', 'devices', 'Appliances')}</nav>` +
      `<form class="logout" method="post" action="/logout"><input type="hidden" name="csrf" value="${esc(o.user.csrf)}"><span class="who">${esc(o.user.name)} <small>(${esc(o.user.role)})</small></span> <button type="submit">Log out</button></form>` +
      `<span class="live-state" id="live-state" aria-live="polite"></span></header>`
    : `<header class="top"><span class="brand">stratum1d fleet</span></header>`;
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${esc(o.title)} · stratum1d fleet</title>` +
    (o.charts ? `<link rel="stylesheet" href="/static/uplot.min.css">` : '') +
    `<link rel="stylesheet" href="/static/dashboard.css"></head><body${liveAttrs}>${header}<main>${o.body}</main>` +
    (o.charts ? `<script src="/static/uplot.iife.min.js"></script>` : '') +
    `<script src="/static/dashboard.js"></script></body></html>`
  );
}

export function loginPage(o: { error?: string | null; next: string; user?: string }): string {
  const body =
    `<section class="card login"><h1>Log in</h1>` +
    (o.error ? `<p class="error" role="alert">${esc(o.error)}</p>` : '') +
    `<form method="post" action="/login"><input type="hidden" name="next" value="${esc(o.next)}">` +
    `<label>User <input name="user" autocomplete="username" required value="${esc(o.user ?? '')}"></label>` +
    `<label>Password <input name="password" type="password" autocomplete="current-password" required></label>` +
    `<button type="submit">Log in</button></form></section>`;
  return layout({ title: 'Log in', user: null, body });
}

export function messagePage(user: PageUser | null, title: string, message: string): string {
  return layout({ title, user, body: `<section class="card"><h1>${esc(title)}</h1><p>${esc(message)}</p><p><a href="/">Back to the fleet</a></p></section>` });
}

function sevBadge(s: string | null): string {
  return s ? `<span class="sev sev-${esc(s)}">${esc(s)}</span>` : `<span class="sev sev-ok">ok</span>`;
}

function fleetRow(r: FleetRow): string {
  const cell = (label: string, content: string, cls = '') => `<td data-label="${label}"${cls ? ` class="${cls}"` : ''}>${content}</td>`;
  const alarms = r.alarms.map((a) => `<span class="alarm-id" title="${esc(a.message)}">${esc(a.id)}</span>`).join(' ');
  return (
    `<tr data-device="${esc(r.name)}" class="${r.reporting ? '' : 'silent'}">` +
    cell('Severity', sevBadge(r.severity)) +
    cell('Appliance', `<a href="/device/${encodeURIComponent(r.name)}">${esc(r.name)}</a>`, 'name') +
    cell('Offset', fmtSeconds(r.offsetS), 'num offset') +
    cell('Frequency', fmtNum(r.frequencyPpm, 'ppm'), 'num') +
    cell('PPS jitter', fmtSeconds(r.ppsJitterS), 'num') +
    cell('Satellites', fmtNum(r.satellites, '', 2), 'num') +
    cell('C/N0', fmtNum(r.cnoDbHz, 'dB-Hz'), 'num') +
    cell('Stratum', r.stratum === null ? '–' : String(r.stratum), 'num') +
    cell('Holdover', esc(r.holdover ?? '–')) +
    cell('Last seen', `${r.reporting ? '' : '<span class="sev sev-major">silent</span> '}${fmtTime(r.lastSeen)}`) +
    cell('Alarms', alarms || '–') +
    `</tr>`
  );
}

/** The live part of the fleet page: counts and the sorted table. */
export function fleetFragment(v: FleetView): string {
  const sev = (['critical', 'major', 'minor', 'warning'] as const)
    .filter((s) => v.bySeverity[s] > 0)
    .map((s) => `<span class="sev sev-${s}">${v.bySeverity[s]} ${s}</span>`)
    .join(' ');
  const counts =
    `<div class="counts"><div class="count"><b id="count-reporting">${v.reporting}</b> of <b id="count-expected">${v.expected}</b> reporting</div>` +
    `<div class="count">${v.expected - v.reporting > 0 ? `<span class="sev sev-major">${v.expected - v.reporting} silent</span>` : '<span class="sev sev-ok">all reporting</span>'} ${sev}</div></div>`;
  if (v.rows.length === 0) return counts + `<p class="empty">No appliances registered yet. An admin adds one under <a href="/devices">Appliances</a>.</p>`;
  return (
    counts +
    `<table class="fleet cards"><thead><tr><th>Severity</th><th>Appliance</th><th>Offset</th><th>Frequency</th><th>PPS jitter</th><th>Sats</th><th>C/N0</th><th>Stratum</th><th>Holdover</th><th>Last seen (UTC)</th><th>Alarms</th></tr></thead>` +
    `<tbody>${v.rows.map(fleetRow).join('')}</tbody></table>`
  );
}

export function fleetPage(user: PageUser, v: FleetView, fp: string): string {
  return layout({
    title: 'Fleet',
    user,
    nav: 'fleet',
    live: { topic: 'fleet', fp },
    body: `<h1>Fleet</h1><p class="hint">Sorted by alarm severity, then by |offset|. Updates live.</p><section id="fleet-live">${fleetFragment(v)}</section>`,
  });
}

export function alarmsFragment(alarms: readonly AlarmLike[]): string {
  if (alarms.length === 0) return `<p class="empty"><span class="sev sev-ok">ok</span> No fleet alarms.</p>`;
  const rows = alarms
    .map(
      (a) =>
        `<tr><td data-label="Severity">${sevBadge(a.severity)}</td><td data-label="Appliance">${a.device ? `<a href="/device/${encodeURIComponent(a.device)}">${esc(a.device)}</a>` : '(fleet)'}</td>` +
        `<td data-label="Alarm">${esc(a.id)}</td><td data-label="Message">${esc(a.message)}</td><td data-label="Since (UTC)">${fmtTime(a.since)}</td></tr>`,
    )
    .join('');
  return `<table class="alarms cards"><thead><tr><th>Severity</th><th>Appliance</th><th>Alarm</th><th>Message</th><th>Since (UTC)</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export function alarmsPage(user: PageUser, alarms: readonly AlarmLike[], fp: string): string {
  return layout({ title: 'Alarms', user, nav: 'alarms', live: { topic: 'fleet', fp }, body: `<h1>Fleet alarms</h1><section id="alarms-live">${alarmsFragment(alarms)}</section>` });
}

export function deviceSummaryFragment(row: FleetRow | null, device: DeviceRow): string {
  const item = (k: string, v: string) => `<div><dt>${k}</dt><dd>${v}</dd></div>`;
  return (
    `<dl class="summary">` +
    item('Status', sevBadge(row?.severity ?? null) + (row && !row.reporting ? ' <span class="sev sev-major">silent</span>' : '')) +
    item('Offset', fmtSeconds(row?.offsetS)) +
    item('Frequency', fmtNum(row?.frequencyPpm, 'ppm')) +
    item('PPS jitter', fmtSeconds(row?.ppsJitterS)) +
    item('Satellites', fmtNum(row?.satellites, '', 2)) +
    item('C/N0', fmtNum(row?.cnoDbHz, 'dB-Hz')) +
    item('Holdover', esc(row?.holdover ?? '–')) +
    item('Last seen', fmtTime(device.lastSeen)) +
    item('Records', `${device.stored} stored, seq ${device.lastSeq}${device.gaps ? `, <span class="sev sev-warning">${device.gaps} lost (gaps)</span>` : ''}`) +
    item('Software', esc(device.software ?? '–')) +
    `</dl>` +
    (row && row.alarms.length ? `<ul class="active-alarms">${row.alarms.map((a) => `<li>${sevBadge(a.severity)} ${esc(a.id)}: ${esc(a.message)}</li>`).join('')}</ul>` : '')
  );
}

const SEV_COLOUR: Record<string, string> = { critical: '#b00020', major: '#e65100', minor: '#f9a825', warning: '#fbc02d', info: '#1976d2' };

/** The alarm timeline: a strip per alarm (raised → cleared) over the window, then the event list. */
export function timelineFragment(events: readonly EventRow[], from: number, to: number): string {
  const { spans, points } = alarmTimeline(events);
  const ids = [...new Set(spans.map((s) => s.alarm))];
  const W = 1000;
  const rowH = 18;
  const x = (t: number) => Math.max(0, Math.min(W, ((t - from) / (to - from)) * W));
  let svg = '';
  if (ids.length || points.length) {
    const h = (ids.length + 1) * rowH + 4;
    const bars = spans
      .map((s) => {
        const y = ids.indexOf(s.alarm) * rowH + 2;
        const x0 = x(s.from);
        const x1 = x(s.to ?? to);
        return `<rect x="${x0.toFixed(1)}" y="${y}" width="${Math.max(2, x1 - x0).toFixed(1)}" height="${rowH - 4}" fill="${SEV_COLOUR[s.severity] ?? '#777'}"><title>${esc(s.alarm)} (${esc(s.severity)}) ${fmtTime(s.from)} → ${s.to ? fmtTime(s.to) : 'now'}</title></rect>`;
      })
      .join('');
    const labels = ids.map((id, i) => `<text x="4" y="${i * rowH + 14}" class="tl-label">${esc(id)}</text>`).join('');
    const ticks = points
      .map((p) => `<line x1="${x(p.at).toFixed(1)}" x2="${x(p.at).toFixed(1)}" y1="${ids.length * rowH + 2}" y2="${ids.length * rowH + rowH}" stroke="#555" stroke-width="2"><title>${esc(p.body.type)} ${fmtTime(p.at)}</title></line>`)
      .join('');
    svg = `<svg class="timeline" data-from="${from}" data-to="${to}" viewBox="0 0 ${W} ${h}" preserveAspectRatio="none" role="img" aria-label="alarm timeline">${bars}${ticks}${labels}</svg>`;
  }
  const list = [...events]
    .sort((a, b) => b.at - a.at || b.seq - a.seq)
    .slice(0, 50)
    .map(
      (e) =>
        `<tr><td data-label="Time (UTC)">${fmtTime(e.at)}</td><td data-label="Event">${esc(e.body.type)}${e.body.alarm ? ` <b>${esc(e.body.alarm)}</b>` : ''}</td>` +
        `<td data-label="Severity">${e.body.severity ? sevBadge(e.body.severity) : ''}</td><td data-label="Message">${esc(e.body.message ?? '')}</td></tr>`,
    )
    .join('');
  return (
    svg +
    (list
      ? `<table class="events cards"><thead><tr><th>Time (UTC)</th><th>Event</th><th>Severity</th><th>Message</th></tr></thead><tbody>${list}</tbody></table>`
      : `<p class="empty">No alarms or events in this window.</p>`)
  );
}

export function statsFragment(rows: readonly StatRow[]): string {
  const head = `<tr><th>Quantity</th>${PERCENTILES.map((p) => `<th>${p}%</th>`).join('')}<th>1–99% range</th><th>5–95% range</th><th>Min</th><th>Max</th><th>Mean</th><th>RMS</th><th>Std dev</th><th>Intervals</th></tr>`;
  const body = rows
    .map((r) => {
      const s = r.summary;
      const u = r.unit ? ` ${esc(r.unit)}` : '';
      // Rounding residue of a value that is really zero (a mean of ±x, the std dev of a constant) would print as noise: show 0.
      const tiny = Math.max(Math.abs(s?.min ?? 0), Math.abs(s?.max ?? 0)) * 1e-6;
      const f = (v: number) => (Math.abs(v) <= tiny ? '0' : sig3(v * r.scale));
      const label = `<th scope="row" data-label="Quantity">${esc(r.label)}${r.unit ? ` <small>(${esc(r.unit)})</small>` : ''}</th>`;
      if (!s) return `<tr class="nodata">${label}<td colspan="${PERCENTILES.length + 8}" data-label="">no data</td></tr>`;
      return (
        `<tr>${label}` +
        PERCENTILES.map((p) => `<td data-label="${p}%">${f(s.p[p])}${u}</td>`).join('') +
        `<td data-label="1–99% range">${f(s.range1to99)}${u}</td><td data-label="5–95% range">${f(s.range5to95)}${u}</td>` +
        `<td data-label="Min">${f(s.min)}${u}</td><td data-label="Max">${f(s.max)}${u}</td><td data-label="Mean">${f(s.mean)}${u}</td><td data-label="RMS">${f(s.rms)}${u}</td><td data-label="Std dev">${f(s.stdDev)}${u}</td>` +
        `<td data-label="Intervals">${s.intervals}</td></tr>`
      );
    })
    .join('');
  return `<table class="stats cards"><thead>${head}</thead><tbody>${body}</tbody></table><p class="hint">Percentiles of the per-interval means; min, max, mean, RMS and std dev over every sample.</p>`;
}

export interface DevicePageData {
  device: DeviceRow;
  row: FleetRow | null;
  range: RangeName;
  from: number;
  now: number;
  columns: ChartColumns;
  units: { offset: { unit: string; scale: number }; pps: { unit: string; scale: number } };
  events: EventRow[];
  stats: StatRow[];
  gaps: GapRow[];
}

export function devicePage(user: PageUser, d: DevicePageData): string {
  const name = d.device.name;
  const ranges = (Object.keys(RANGES) as RangeName[])
    .map((r) => `<a href="/device/${encodeURIComponent(name)}?range=${r}"${r === d.range ? ' aria-current="true"' : ''}>${r}</a>`)
    .join('');
  const lastAt = d.columns.t.length ? d.columns.t[d.columns.t.length - 1]! : 0;
  const chartData = { range: d.range, rangeMs: RANGES[d.range].ms, resolution: RANGES[d.range].resolution, from: d.from, units: d.units, columns: d.columns };
  const gaps = d.gaps.length
    ? `<section><h2>Lost records</h2><table class="gaps cards"><thead><tr><th>Sequence numbers</th><th>Reason</th><th>Received (UTC)</th></tr></thead><tbody>${d.gaps
        .slice(0, 50)
        .map((g) => `<tr><td data-label="Sequence numbers">${g.from}–${g.to}</td><td data-label="Reason">${esc(g.reason)}</td><td data-label="Received">${fmtTime(g.receivedAt)}</td></tr>`)
        .join('')}</tbody></table></section>`
    : '';
  const body =
    `<h1>${esc(name)}</h1><nav class="ranges" aria-label="time range">${ranges}</nav>` +
    `<section id="device-summary">${deviceSummaryFragment(d.row, d.device)}</section>` +
    `<section class="chart-card"><h2>System clock offset <small>(${esc(d.units.offset.unit)}; band: min–max per interval)</small> and frequency <small>(ppm)</small></h2><div class="chart" id="chart-offset"></div></section>` +
    `<section class="chart-card"><h2>PPS jitter and PPS offset <small>(${esc(d.units.pps.unit)})</small></h2><div class="chart" id="chart-pps"></div></section>` +
    `<section class="chart-card"><h2>Satellites used and C/N0 <small>(dB-Hz)</small></h2><div class="chart" id="chart-gnss"></div></section>` +
    `<section><h2>Alarms and events</h2><div id="device-timeline">${timelineFragment(d.events, d.from, Math.max(d.now, lastAt))}</div></section>` +
    `<section><h2>Statistics <small>(${esc(d.range)} window)</small></h2><div id="device-stats" class="scroll">${statsFragment(d.stats)}</div></section>` +
    gaps +
    `<script type="application/json" id="chart-data">${jsonForScript(chartData)}</script>`;
  return layout({
    title: name,
    user,
    nav: null,
    charts: true,
    live: { topic: 'device', device: name, range: d.range, since: String(lastAt), seq: String(d.device.lastSeq) },
    body,
  });
}

export function devicesPage(user: PageUser, devices: readonly DeviceRow[], opts: { error?: string | null; now: number }): string {
  const admin = can(user.role, 'add-device');
  const rows = devices
    .map(
      (d) =>
        `<tr data-device="${esc(d.name)}"><td data-label="Name"><a href="/device/${encodeURIComponent(d.name)}">${esc(d.name)}</a></td>` +
        `<td data-label="Registered (UTC)">${fmtTime(d.createdAt)}</td>` +
        `<td data-label="Token expires">${d.tokenExpiresAt === null ? 'never' : `${fmtTime(d.tokenExpiresAt)}${d.tokenExpiresAt < opts.now ? ' <span class="sev sev-major">expired</span>' : ''}`}</td>` +
        `<td data-label="Last seq" class="num">${d.lastSeq}</td><td data-label="Stored" class="num">${d.stored}</td><td data-label="Gaps" class="num">${d.gaps}</td>` +
        `<td data-label="Last seen (UTC)">${fmtTime(d.lastSeen)}</td><td data-label="Software">${esc(d.software ?? '–')}</td>` +
        (admin
          ? `<td data-label=""><form method="post" action="/devices/${encodeURIComponent(d.name)}/revoke" data-confirm="Revoke ${esc(d.name)}? Its token stops working at once; its history stays."><input type="hidden" name="csrf" value="${esc(user.csrf)}"><button class="danger" type="submit">Revoke</button></form></td>`
          : '') +
        `</tr>`,
    )
    .join('');
  const form = admin
    ? `<section class="card" id="add-device"><h2>Add an appliance</h2>` +
      (opts.error ? `<p class="error" role="alert">${esc(opts.error)}</p>` : '') +
      `<form method="post" action="/devices"><input type="hidden" name="csrf" value="${esc(user.csrf)}">` +
      `<label>Name <input name="name" required pattern="[A-Za-z0-9][A-Za-z0-9._\\-]{0,62}" placeholder="site-a-gps1"></label>` +
      `<label>Token expires after (days, empty: never) <input name="expiresDays" type="number" min="1" max="3650" inputmode="numeric"></label>` +
      `<button type="submit">Add appliance</button></form></section>`
    : '';
  const table = devices.length
    ? `<table class="devices cards"><thead><tr><th>Name</th><th>Registered (UTC)</th><th>Token expires</th><th>Last seq</th><th>Stored</th><th>Gaps</th><th>Last seen (UTC)</th><th>Software</th>${admin ? '<th></th>' : ''}</tr></thead><tbody>${rows}</tbody></table>`
    : `<p class="empty">No appliances registered.</p>`;
  return layout({ title: 'Appliances', user, nav: 'devices', body: `<h1>Appliances</h1>${form}${table}` });
}

export function tokenPage(user: PageUser, name: string, token: string, expiresAt: number | null): string {
  const body =
    `<section class="card"><h1>Appliance ${esc(name)} added</h1>` +
    `<p>Its token is shown <b>once</b>. Put it in the appliance's <code>/etc/stratum1d/config.yaml</code>:</p>` +
    `<pre class="token" id="device-token">${esc(token)}</pre>` +
    `<pre>fleet:\n  url: https://THIS-COLLECTOR/\n  token: ${esc(token)}</pre>` +
    `<p>Token expires: ${expiresAt === null ? 'never' : fmtTime(expiresAt)}.</p><p><a href="/devices">Back to the appliances</a></p></section>`;
  return layout({ title: `${name} added`, user, nav: 'devices', body });
}
