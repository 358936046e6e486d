import type { ApplianceState } from '../../core/appliance-state.js';
import { SYNC_GRACE_MS } from '../../core/timekeeper-types.js';

/**
 * Overall and per-component health, a pure function of the state. A component that is not
 * fitted (no PPS, no RTC, no timekeeper) is `absent`, which never makes the whole unhealthy:
 * absence is reported by the component's own tool as a missing subsystem with its fix.
 *
 * The overall verdict says what GET /health says (daemon/http/health.ts), in this tool's
 * words: `failed` exactly when /health is `down` for the appliance's own state (the
 * timekeeper not answering, holdover over its budget, unsynchronised after the grace), never
 * for a lost receiver, PPS or RTC alone: holdover covers those, so they fail their component
 * and degrade the whole. Active alarms can only add caution: any alarm above `info` makes the
 * whole at least `degraded`, and only a `critical` one makes it `failed`.
 */
export type Level = 'ok' | 'degraded' | 'failed' | 'absent' | 'down';

export interface Component {
  name: string;
  level: Level;
  detail: string;
}

export interface AlarmView {
  name: string;
  severity: string | null;
  message: string;
  since: string | null; // ISO 8601
  sinceMs: number | null;
}

export interface Health {
  overall: Level;
  components: Component[];
  /** null: this daemon has no alarms section (older build or alarms not wired). */
  alarms: AlarmView[] | null;
}

const RANK: Record<Level, number> = { absent: 0, ok: 1, degraded: 2, failed: 3, down: 4 };
/** Components whose failure is the appliance's: the rest fail alone while time is still served. */
const CRITICAL = new Set(['daemon', 'timekeeper']);

export function healthOf(s: ApplianceState, nowMs: number): Health {
  const g = s.gnss;
  const comps: Component[] = [{ name: 'daemon', level: 'ok', detail: `stratum1d ${s.version}, pid ${s.pid}, up ${Math.max(0, Math.round((nowMs - s.startedAt) / 1000))} s (${s.mode})` }];
  if (g.link !== 'open') comps.push({ name: 'gnss', level: 'failed', detail: `receiver ${g.device} ${g.link}${g.lastError ? `: ${g.lastError}` : ''}` });
  else if (g.antenna === 'open' || g.antenna === 'short') comps.push({ name: 'gnss', level: 'failed', detail: `antenna ${g.antenna === 'open' ? 'not connected' : 'short-circuited'}` });
  else if (!g.trust.timeValid && g.trust.check?.verdict === 'disagrees') comps.push({ name: 'gnss', level: 'failed', detail: g.trust.check.message ?? 'time disagrees with the reference clock' });
  else if (!g.trust.timeValid) comps.push({ name: 'gnss', level: 'degraded', detail: `time not valid yet (${g.trust.validStreak}/${g.trust.needed} good epochs)` });
  else comps.push({ name: 'gnss', level: 'ok', detail: `fix mode ${g.fix?.mode ?? 0}, time valid` });

  const p = s.pps;
  if (p.source === null) comps.push({ name: 'pps', level: 'absent', detail: 'no PPS configured' });
  else if (p.link === 'down') comps.push({ name: 'pps', level: 'failed', detail: `${p.source} ${p.link}, ${p.pulses} pulses` });
  // The tracker's verdict on the recent pulses (as /health reads it), not the missed count since start.
  else if (p.health && p.health.condition !== 'ok') comps.push({ name: 'pps', level: p.health.condition === 'missing' ? 'failed' : 'degraded', detail: p.health.message });
  else if (p.link === 'open' && p.pulses > 0) comps.push({ name: 'pps', level: 'ok', detail: `${p.pulses} pulses, ${p.missed} missed since start` });
  else comps.push({ name: 'pps', level: 'degraded', detail: `${p.source} ${p.link}, ${p.pulses} pulses` });

  const r = s.rtc;
  if (r.model === null) comps.push({ name: 'rtc', level: 'absent', detail: 'no RTC configured' });
  else if (!r.readable) comps.push({ name: 'rtc', level: 'degraded', detail: `unreadable${r.lastError ? `: ${r.lastError}` : ''}` });
  else if (r.oscillatorStopped || r.batteryLow) comps.push({ name: 'rtc', level: 'degraded', detail: r.oscillatorStopped ? 'oscillator stopped: time invalid' : 'battery low' });
  else comps.push({ name: 'rtc', level: 'ok', detail: `${r.model} readable` });

  const tk = s.timekeeper;
  if (tk.kind === 'none') comps.push({ name: 'timekeeper', level: 'absent', detail: 'no timekeeper configured' });
  else if (tk.updatedAt === null) comps.push({ name: 'timekeeper', level: 'degraded', detail: `no ${tk.kind} status yet` });
  else if (!tk.reachable) comps.push({ name: 'timekeeper', level: 'failed', detail: `${tk.kind} not answering${tk.lastError ? `: ${tk.lastError}` : ''}` });
  else if (s.holdover?.state === 'holdover' && s.holdover.overBudget) comps.push({ name: 'timekeeper', level: 'failed', detail: `holdover over its budget (${s.holdover.estimatedErrorS ?? '?'} s estimated, budget ${s.holdover.budgetS} s)` });
  else {
    const sel = tk.sources.find((x) => x.state === 'selected');
    if (tk.synced !== true && tk.updatedAt !== null && nowMs - s.startedAt > SYNC_GRACE_MS) comps.push({ name: 'timekeeper', level: 'failed', detail: `${tk.kind} not synchronised ${Math.round((nowMs - s.startedAt) / 60_000)} min after start` });
    else if (tk.synced !== true) comps.push({ name: 'timekeeper', level: 'degraded', detail: `${tk.kind} not synchronised` });
    else if (sel && sel.kind !== 'refclock') comps.push({ name: 'timekeeper', level: 'degraded', detail: `${tk.kind} synchronised to network source ${sel.name}, not the GNSS` });
    else comps.push({ name: 'timekeeper', level: 'ok', detail: `${tk.kind} synchronised to ${sel?.name ?? tk.tracking?.refId ?? 'a refclock'}` });
  }

  const alarms = alarmsOf(s);
  const counted = (c: Component): Level => (RANK[c.level] >= RANK.failed && !CRITICAL.has(c.name) ? 'degraded' : c.level);
  let overall: Level = comps.reduce<Level>((w, c) => (RANK[counted(c)] > RANK[w] ? counted(c) : w), 'ok');
  // X.733 severities: critical means the service is lost; anything but info at least a degradation.
  for (const a of alarms ?? []) {
    const lvl: Level = a.severity === 'critical' ? 'failed' : a.severity === 'info' ? 'ok' : 'degraded';
    if (RANK[lvl] > RANK[overall]) overall = lvl;
  }
  return { overall, components: comps, alarms };
}

export function healthDown(reason: string): Health {
  return { overall: 'down', components: [{ name: 'daemon', level: 'down', detail: `stratum1d daemon not reachable: ${reason}` }], alarms: null };
}

/**
 * Active alarms, read defensively: the alarms section is added by another part of the
 * daemon, so accept an array or `{ active: [...] }` and common field names, never throw.
 */
export function alarmsOf(s: ApplianceState): AlarmView[] | null {
  const raw = (s as unknown as { alarms?: unknown }).alarms;
  if (raw === undefined || raw === null) return null;
  const list = Array.isArray(raw) ? raw : Array.isArray((raw as { active?: unknown }).active) ? ((raw as { active: unknown[] }).active) : null;
  if (!list) return null;
  return list.flatMap((item): AlarmView[] => {
    if (typeof item !== 'object' || item === null) return [];
    const o = item as Record<string, unknown>;
    const str = (...keys: string[]): string | null => {
      for (const k of keys) if (typeof o[k] === 'string') return o[k] as string;
      return null;
    };
    const num = (...keys: string[]): number | null => {
      for (const k of keys) if (typeof o[k] === 'number' && Number.isFinite(o[k])) return o[k] as number;
      return null;
    };
    const sinceMs = num('since', 'sinceMs', 'raisedAt', 'at');
    return [
      {
        name: str('name', 'id', 'code', 'kind') ?? 'alarm',
        severity: str('severity', 'level'),
        message: str('message', 'text', 'detail') ?? '',
        since: sinceMs !== null && Math.abs(sinceMs) < 8.64e15 ? new Date(sinceMs).toISOString() : str('since'),
        sinceMs,
      },
    ];
  });
}
