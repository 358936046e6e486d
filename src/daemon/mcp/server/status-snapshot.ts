import type { ApplianceState } from '../../core/appliance-state.js';
import { explainSync } from '../../core/explain-sync.js';
import { summaryLine } from '../../core/summary.js';
import { healthOf } from '../tools/health.js';
import { qualityFrom } from '../tools/quality.js';
import { gnssView } from '../tools/state-views.js';

/** The stratum1d://status resource: one JSON snapshot, and the key whose change is notified. */

export function statusSnapshot(s: ApplianceState, nowMs: number): Record<string, unknown> {
  const tk = s.timekeeper;
  return {
    daemon: 'up',
    version: s.version,
    mode: s.mode,
    startedAt: new Date(s.startedAt).toISOString(),
    summary: summaryLine(s),
    health: healthOf(s, nowMs),
    gnss: gnssView(s),
    pps: { source: s.pps.source, link: s.pps.link, pulses: s.pps.pulses, missed: s.pps.missed },
    rtc: { model: s.rtc.model, readable: s.rtc.readable, offsetMs: s.rtc.offsetMs },
    timekeeper: {
      kind: tk.kind,
      reachable: tk.reachable,
      synced: tk.synced,
      selected: tk.sources.find((x) => x.state === 'selected')?.name ?? null,
      quality: qualityFrom(s),
    },
    explanations: explainSync(s),
  };
}

export function downSnapshot(reason: string): Record<string, unknown> {
  return { daemon: 'down', reason, note: 'the stratum1d daemon is not reachable; time tools still answer from the local clock' };
}

/**
 * What subscribers are told about: fix mode, time validity, the timekeeper's reachability,
 * sync state and selected source. Counters (pulses, satellites) change every second and
 * would turn notifications into a stream, so they are left out.
 */
export function changeKey(s: ApplianceState | null): string {
  if (s === null) return 'daemon-down';
  const tk = s.timekeeper;
  const sel = tk.sources.find((x) => x.state === 'selected')?.name ?? '-';
  return [s.gnss.link, s.gnss.fix?.mode ?? 'none', s.gnss.trust.timeValid, tk.reachable, tk.synced, sel].join('|');
}
