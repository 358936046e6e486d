import type { ApplianceState } from '../../core/appliance-state.js';
import { DaemonDown } from '../appliance-api.js';

/**
 * How good the time the MCP server hands out is, from the timekeeper's own view. The
 * estimate follows chronyc(1) ("tracking", Root dispersion): the clock's error is bounded by
 * |system time offset| + root dispersion + root delay / 2 (assuming the reference is right).
 */
export interface TimeQuality {
  daemon: 'up' | 'down';
  /** true/false from the timekeeper; null when nobody can say (daemon down, no timekeeper). */
  synced: boolean | null;
  timekeeper: 'chrony' | 'ntpsec' | 'none' | 'unknown';
  source: string | null;
  stratum: number | null;
  estimatedErrorS: number | null;
  leap: string | null;
  note: string;
}

export function qualityFrom(s: ApplianceState): TimeQuality {
  const tk = s.timekeeper;
  const base = { daemon: 'up' as const, timekeeper: tk.kind };
  if (tk.kind === 'none') {
    return { ...base, synced: null, source: null, stratum: null, estimatedErrorS: null, leap: null, note: 'no timekeeper configured: the system clock is not known to be disciplined' };
  }
  if (!tk.reachable) {
    const why = tk.lastError ?? 'no status yet';
    return { ...base, synced: null, source: null, stratum: null, estimatedErrorS: null, leap: null, note: `${tk.kind} status unavailable: ${why}` };
  }
  const tr = tk.tracking;
  const selected = tk.sources.find((x) => x.state === 'selected');
  const source = selected?.name ?? tr?.refName ?? tr?.refId ?? null;
  const parts = [tr?.systemOffsetS, tr?.rootDispersionS, tr?.rootDelayS];
  const estimatedErrorS =
    tr && parts.every((p) => p !== null && p !== undefined)
      ? Math.abs(tr.systemOffsetS as number) + (tr.rootDispersionS as number) + (tr.rootDelayS as number) / 2
      : null;
  const synced = tk.synced;
  const note = synced
    ? `synchronised to ${source ?? 'an unnamed source'}${estimatedErrorS !== null ? `, error bound ${fmtErr(estimatedErrorS)}` : ''}`
    : synced === false
      ? `${tk.kind} is not synchronised: treat this time as the free-running system clock`
      : `${tk.kind} has not said whether it is synchronised yet`;
  return { ...base, synced, source, stratum: tr?.stratum ?? null, estimatedErrorS, leap: tr?.leap ?? null, note };
}

export function qualityDown(reason: string): TimeQuality {
  return {
    daemon: 'down',
    synced: null,
    timekeeper: 'unknown',
    source: null,
    stratum: null,
    estimatedErrorS: null,
    leap: null,
    note: `quality unknown: the stratum1d daemon is down (${reason}); this is the local system clock`,
  };
}

/** The state, or the reason the daemon cannot be asked (only DaemonDown is swallowed). */
export async function stateOrDown(api: { state(): Promise<ApplianceState> }): Promise<{ state: ApplianceState } | { down: string }> {
  try {
    return { state: await api.state() };
  } catch (err) {
    if (err instanceof DaemonDown) return { down: err.message || 'not reachable' };
    throw err;
  }
}

function fmtErr(s: number): string {
  if (s >= 1) return `${s.toFixed(3)} s`;
  if (s >= 1e-3) return `${(s * 1e3).toFixed(3)} ms`;
  return `${(s * 1e6).toFixed(1)} µs`;
}
