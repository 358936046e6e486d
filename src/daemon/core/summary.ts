import type { ApplianceState } from './appliance-state.js';

const MODE_WORDS = ['no report', 'no fix', '2D fix', '3D fix'] as const;

/**
 * One line for systemd's STATUS= and the top of `stratum1d status`: what an operator checks
 * first — is there a fix, is its time trusted, is PPS ticking, is the RTC readable.
 */
export function summaryLine(s: ApplianceState): string {
  const parts: string[] = [];
  const g = s.gnss;
  if (g.link !== 'open') {
    const what = g.link === 'down' ? `GNSS receiver ${g.device} went away` : g.lastError ? `no GNSS receiver at ${g.device}` : `GNSS ${g.device} connecting`;
    parts.push(`${what}${g.lastError ? ` (${g.lastError})` : ''}`);
  } else {
    const fix = g.fix;
    const mode = fix ? MODE_WORDS[fix.mode] : 'no data yet';
    const sats = g.sky && g.sky.uSat !== null ? `, ${g.sky.uSat}${g.sky.nSat !== null ? `/${g.sky.nSat}` : ''} sats` : '';
    const disagrees = g.trust.check?.verdict === 'disagrees' ? `time NOT trusted: disagrees with the ${g.trust.check.reference}` : null;
    const trust = g.trust.timeValid ? 'time valid' : disagrees ?? `time not valid yet (${g.trust.validStreak}/${g.trust.needed} good epochs)`;
    parts.push(`GNSS ${mode}${sats}, ${trust}`);
  }
  if (s.pps.source !== null) {
    const health = s.pps.health && s.pps.health.condition !== 'ok' && s.pps.health.condition !== 'waiting' ? ` (${s.pps.health.condition})` : '';
    parts.push(s.pps.link === 'open' ? `PPS ${s.pps.pulses} pulses${s.pps.missed ? `, ${s.pps.missed} missed` : ''}${health}` : `PPS ${s.pps.link}`);
  }
  if (s.rtc.model !== null) {
    if (!s.rtc.readable) parts.push(`RTC unreadable${s.rtc.lastError ? ` (${s.rtc.lastError})` : ''}`);
    else if (s.rtc.oscillatorStopped) parts.push('RTC time invalid (oscillator stopped)');
    else parts.push(`RTC ok${s.rtc.offsetMs !== null ? ` (${formatOffset(s.rtc.offsetMs)} vs system)` : ''}`);
  }
  if (s.holdover?.state === 'holdover') {
    const err = s.holdover.estimatedErrorS;
    parts.unshift(`HOLDOVER${err !== null ? ` (est. error ${(err * 1000).toFixed(3)} ms)` : ''}`);
  }
  return parts.join('; ');
}

function formatOffset(ms: number): string {
  return `${ms >= 0 ? '+' : ''}${ms.toFixed(0)} ms`;
}
