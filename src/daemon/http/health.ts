import type { ApplianceState } from '../core/appliance-state.js';
import { SYNC_GRACE_MS } from '../core/timekeeper-types.js';
import type { HostFacts } from './host-facts.js';

/**
 * GET /health: one verdict per component and an overall one, from a state snapshot and host
 * facts. Pure. The overall verdict is what a load balancer or uptime check acts on:
 *
 * - `down` (HTTP 503): a *critical* component is down — the appliance is not serving
 *   trustworthy time (timekeeper) or is about to fail (memory, event loop);
 * - `degraded` (HTTP 200): some component is not ok, but time is still served (a lost receiver
 *   or PPS is covered by holdover, whose estimate the timekeeper component watches);
 * - `ok`: every component is ok.
 *
 * GNSS, PPS, RTC, fleet upload and disk are not critical: each can be down while chrony keeps
 * serving good time, so they degrade the overall verdict but never make it `down` by
 * themselves. When losing them finally costs accuracy, holdover crosses its budget and the
 * timekeeper component goes down.
 */
export type HealthStatus = 'ok' | 'degraded' | 'down';

export interface ComponentHealth {
  status: HealthStatus;
  /** Whether this component being down makes the whole appliance down. */
  critical: boolean;
  message: string;
  [detail: string]: unknown;
}

export interface HealthReport {
  status: HealthStatus;
  summary: string;
  checkedAt: string;
  version: string;
  uptimeS: number;
  components: Record<ComponentName, ComponentHealth>;
}

export type ComponentName = 'gnss' | 'pps' | 'rtc' | 'timekeeper' | 'fleet' | 'disk' | 'memory' | 'eventLoop';

export const HEALTH_LIMITS = {
  /** Unsynchronised this long after start is no longer "still synchronising". */
  syncGraceMs: SYNC_GRACE_MS,
  /** The fleet uploader's retries are normal; this many in a row mean the collector is unreachable. */
  fleetFailuresDegraded: 3,
  /** Disk: below either bound the state (outbox, calibration, audit) is at risk / failing. */
  diskDegraded: { fraction: 0.1, bytes: 100 * 1024 * 1024 },
  diskDown: { fraction: 0.02, bytes: 16 * 1024 * 1024 },
  /** Memory (RSS over the limit that kills us): degraded leaves room to look, down is imminent. */
  memoryDegraded: 0.8,
  memoryDown: 0.95,
  /**
   * Event loop, ms. A delay over timekeeper.nmeaOffset.maxArrivalErrorS (0.2 s by default) gets
   * NMEA labels dropped as stalled; a p99 of a second means the daemon is barely running.
   */
  loopDegradedP99Ms: 100,
  loopDegradedMaxMs: 200,
  loopDownP99Ms: 1000,
} as const;

const RANK: Record<HealthStatus, number> = { ok: 0, degraded: 1, down: 2 };

export function buildHealth(state: ApplianceState, host: HostFacts, now: number): HealthReport {
  const components: Record<ComponentName, ComponentHealth> = {
    gnss: gnssHealth(state),
    pps: ppsHealth(state),
    rtc: rtcHealth(state),
    timekeeper: timekeeperHealth(state, now),
    fleet: fleetHealth(state),
    disk: diskHealth(host),
    memory: memoryHealth(host),
    eventLoop: eventLoopHealth(host),
  };
  const entries = Object.entries(components) as Array<[ComponentName, ComponentHealth]>;
  const down = entries.filter(([, c]) => c.status === 'down' && c.critical);
  const notOk = entries.filter(([, c]) => c.status !== 'ok');
  const status: HealthStatus = down.length > 0 ? 'down' : notOk.length > 0 ? 'degraded' : 'ok';
  const worst = [...notOk].sort((a, b) => RANK[b[1].status] - RANK[a[1].status] || Number(b[1].critical) - Number(a[1].critical));
  const summary = worst.length === 0 ? 'all components ok' : worst.map(([n, c]) => `${n} ${c.status}: ${c.message}`).join('; ');
  return {
    status,
    summary,
    checkedAt: new Date(now).toISOString(),
    version: state.version,
    uptimeS: Math.max(0, Math.round((now - state.startedAt) / 1000)),
    components,
  };
}

export function httpStatusFor(report: HealthReport): number {
  return report.status === 'down' ? 503 : 200;
}

const c = (status: HealthStatus, critical: boolean, message: string, details: Record<string, unknown> = {}): ComponentHealth => ({ status, critical, message, ...details });

/** Not critical (holdover covers it). down: no receiver (port missing or failing); degraded: opening, no fix, time not yet valid, antenna fault. */
export function gnssHealth(s: ApplianceState): ComponentHealth {
  const g = s.gnss;
  const details = { device: g.device, link: g.link, fixMode: g.fix?.mode ?? null, timeValid: g.trust.timeValid, satellitesUsed: g.sky?.uSat ?? null };
  // A receiver that is not there shows as `connecting` with the open error (the service keeps
  // retrying), or as `down` after it went away: both mean no receiver.
  if (g.link === 'down' || (g.link === 'connecting' && g.lastError)) return c('down', false, `no GNSS receiver at ${g.device}${g.lastError ? ` (${g.lastError})` : ''}`, details);
  if (g.link === 'connecting') return c('degraded', false, `opening ${g.device}`, details);
  if (g.antenna === 'open' || g.antenna === 'short') return c('degraded', false, `antenna ${g.antenna}`, details);
  if (!g.trust.timeValid) {
    const mode = g.fix?.mode ?? 0;
    return c('degraded', false, mode >= 2 ? `time not yet trusted (${g.trust.validStreak}/${g.trust.needed} valid epochs)` : 'no fix', details);
  }
  return c('ok', false, `time valid, ${g.fix?.mode === 3 ? '3D' : g.fix?.mode === 2 ? '2D' : 'no'} fix`, details);
}

/** ok when not configured; down: missing or the line is down; degraded: waiting, wrong rate, no GNSS time to label it. */
export function ppsHealth(s: ApplianceState): ComponentHealth {
  const p = s.pps;
  const details = { source: p.source, link: p.link, condition: p.health?.condition ?? null, pulses: p.pulses, missed: p.missed };
  if (p.source === null || p.link === 'absent') return c('ok', false, 'no PPS configured', details);
  if (p.link === 'down') return c('down', false, `PPS source ${p.source} unavailable`, details);
  const h = p.health;
  if (!h) return c('degraded', false, 'waiting for the first pulse', details);
  if (h.condition === 'missing') return c('down', false, h.message, details);
  if (h.condition !== 'ok') return c('degraded', false, h.message, details);
  return c('ok', false, h.message, details);
}

/** ok when there is no RTC; down: unreadable; degraded: not read yet, oscillator stopped (time invalid), battery low. */
export function rtcHealth(s: ApplianceState): ComponentHealth {
  const r = s.rtc;
  const details = { model: r.model, readable: r.readable, offsetS: r.offsetMs === null ? null : r.offsetMs / 1000, driftPpm: r.drift?.ppm ?? null };
  if (r.model === null) return c('ok', false, 'no RTC configured', details);
  if (!r.readable) return r.lastError ? c('down', false, `RTC unreadable: ${r.lastError}`, details) : c('degraded', false, 'not read yet', details);
  if (r.oscillatorStopped) return c('degraded', false, 'oscillator stopped: its time is invalid until set', details);
  if (r.batteryLow) return c('degraded', false, 'battery low: time will be lost at power-off', details);
  return c('ok', false, `readable${r.temperatureC !== null ? `, ${r.temperatureC} °C` : ''}`, details);
}

/**
 * Critical. down: the timekeeper does not answer, holdover is over budget, or still not
 * synchronised after the start-up grace; degraded: no status yet, synchronising, in holdover.
 * With `timekeeper.kind: none` nothing is served by us, so there is nothing to judge.
 */
export function timekeeperHealth(s: ApplianceState, now: number): ComponentHealth {
  const t = s.timekeeper;
  const h = s.holdover;
  const details = { kind: t.kind, reachable: t.reachable, synced: t.synced, holdover: h.state, holdoverEstimateS: h.estimatedErrorS, refName: t.tracking?.refName ?? null };
  if (t.kind === 'none') return c('ok', true, 'not managed (timekeeper.kind: none)', details);
  if (t.updatedAt === null) return c('degraded', true, `no ${t.kind} status yet`, details);
  if (!t.reachable) return c('down', true, `${t.kind} not answering${t.lastError ? `: ${t.lastError}` : ''}`, details);
  if (h.state === 'holdover' && h.overBudget) return c('down', true, `holdover estimate ${fmtS(h.estimatedErrorS)} over the ${fmtS(h.budgetS)} budget`, details);
  if (h.state === 'holdover') return c('degraded', true, `holdover: estimated error ${fmtS(h.estimatedErrorS)} (budget ${fmtS(h.budgetS)})`, details);
  if (t.synced !== true) {
    if (now - s.startedAt > HEALTH_LIMITS.syncGraceMs) return c('down', true, `${t.kind} not synchronised ${Math.round((now - s.startedAt) / 60_000)} min after start`, details);
    return c('degraded', true, `${t.kind} not synchronised yet`, details);
  }
  return c('ok', true, `synchronised to ${t.tracking?.refName ?? t.tracking?.refId ?? 'a source'}`, details);
}

/** ok when disabled; down: the outbox cannot be written (records lost); degraded: uploads failing repeatedly. */
export function fleetHealth(s: ApplianceState): ComponentHealth {
  const f = s.fleet;
  const details = { enabled: f.enabled, backlog: f.backlog, lastError: f.lastError, consecutiveFailures: f.consecutiveFailures, outboxError: f.outboxError };
  if (!f.enabled) return c('ok', false, 'fleet upload disabled', details);
  if (f.outboxError) return c('down', false, `outbox not writable: ${f.outboxError}`, details);
  if (f.consecutiveFailures >= HEALTH_LIMITS.fleetFailuresDegraded) {
    return c('degraded', false, `${f.consecutiveFailures} uploads failed in a row (${f.lastError ?? 'no error text'}), backlog ${f.backlog}`, details);
  }
  return c('ok', false, `backlog ${f.backlog}`, details);
}

/** down: less than 2 % or 16 MiB free; degraded: less than 10 % or 100 MiB, or statfs failed. */
export function diskHealth(host: HostFacts): ComponentHealth {
  const d = host.disk;
  if (d.error !== undefined) return c('degraded', false, `cannot check ${d.path}: ${d.error}`, { path: d.path });
  const fraction = d.sizeBytes > 0 ? d.availBytes / d.sizeBytes : 0;
  const details = { path: d.path, availBytes: d.availBytes, sizeBytes: d.sizeBytes };
  const text = `${fmtBytes(d.availBytes)} free of ${fmtBytes(d.sizeBytes)} (${(fraction * 100).toFixed(1)} %) at ${d.path}`;
  const below = (l: { fraction: number; bytes: number }) => fraction < l.fraction || d.availBytes < l.bytes;
  if (below(HEALTH_LIMITS.diskDown)) return c('down', false, text, details);
  if (below(HEALTH_LIMITS.diskDegraded)) return c('degraded', false, text, details);
  return c('ok', false, text, details);
}

/** Critical. down: RSS at 95 % of the limit (the OOM killer is next); degraded: 80 %. */
export function memoryHealth(host: HostFacts): ComponentHealth {
  const m = host.memory;
  const ratio = m.limitBytes > 0 ? m.rssBytes / m.limitBytes : 0;
  const details = { rssBytes: m.rssBytes, limitBytes: m.limitBytes, limitSource: m.limitSource };
  const text = `RSS ${fmtBytes(m.rssBytes)} of ${fmtBytes(m.limitBytes)} (${m.limitSource} limit, ${(ratio * 100).toFixed(1)} %)`;
  if (ratio >= HEALTH_LIMITS.memoryDown) return c('down', true, text, details);
  if (ratio >= HEALTH_LIMITS.memoryDegraded) return c('degraded', true, text, details);
  return c('ok', true, text, details);
}

/** Critical. down: p99 delay ≥ 1 s; degraded: p99 ≥ 100 ms or a stall ≥ 200 ms in the window. */
export function eventLoopHealth(host: HostFacts): ComponentHealth {
  const e = host.eventLoop;
  if (!e) return c('ok', true, 'no measurement window completed yet');
  const details = { meanMs: e.meanMs, p99Ms: e.p99Ms, maxMs: e.maxMs, windowS: e.windowS };
  const text = `delay p99 ${e.p99Ms.toFixed(1)} ms, max ${e.maxMs.toFixed(1)} ms over ${e.windowS} s`;
  if (e.p99Ms >= HEALTH_LIMITS.loopDownP99Ms) return c('down', true, text, details);
  if (e.p99Ms >= HEALTH_LIMITS.loopDegradedP99Ms || e.maxMs >= HEALTH_LIMITS.loopDegradedMaxMs) return c('degraded', true, text, details);
  return c('ok', true, text, details);
}

function fmtS(s: number | null): string {
  if (s === null) return 'unknown';
  if (s < 1e-3) return `${(s * 1e6).toFixed(1)} µs`;
  if (s < 1) return `${(s * 1e3).toFixed(2)} ms`;
  return `${s.toFixed(2)} s`;
}

function fmtBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GiB`;
  return `${(n / 1024 ** 2).toFixed(1)} MiB`;
}
