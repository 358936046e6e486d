import type { AlarmsState } from '../core/alarm-types.js';

/**
 * The alarm lines of `stratum1d status`: every active alarm, most severe first, with its age;
 * then the last few cleared ones so an operator sees what happened while nobody looked.
 */
export function formatAlarms(alarms: AlarmsState, now: number, recentCleared = 5): string[] {
  const lines: string[] = [];
  if (alarms.active.length === 0) lines.push('alarms: none active');
  else {
    lines.push(`alarms: ${alarms.active.length} active`);
    for (const a of alarms.active) lines.push(`  ${a.severity.toUpperCase().padEnd(8)} ${a.id} since ${iso(a.since)} (${age(now - a.since)}): ${a.message}`);
  }
  const recent = alarms.history.slice(0, recentCleared);
  if (recent.length > 0) {
    lines.push(`cleared (latest ${recent.length} of ${alarms.cleared}):`);
    for (const c of recent) lines.push(`  ${c.severity.padEnd(8)} ${c.id} ${iso(c.since)} .. ${iso(c.clearedAt)} (${age(c.clearedAt - c.since)}): ${c.message}`);
  }
  return lines;
}

function iso(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} d`;
}
