import type { ApplianceState } from './appliance-state.js';
import { describePpsDisagreement, ppsDeviceDisagreement } from './pps-device-agreement.js';
import type { TimeSource, TimekeeperState } from './timekeeper-types.js';

/**
 * Plain-language diagnoses of why the appliance is not (yet) a good stratum-1 server, most
 * important first, each with the evidence behind it. A pure function of the state: nothing
 * here reads files or asks chronyd, so every rule is tested with plain values.
 * An empty list means nothing is wrong that these rules know about.
 */

/**
 * chrony pairs a PPS pulse with the `lock` refclock's sample only when that sample is within
 * 0.4 of the pulse interval (refclock.c, PPS_LOCK_LIMIT): 0.4 s for a 1 Hz PPS.
 */
export const PPS_LOCK_LIMIT_S = 0.4;

export function explainSync(s: ApplianceState): string[] {
  const out: string[] = [];
  const tk = s.timekeeper;
  const daemon = tk.kind === 'ntpsec' ? 'ntpd' : 'chronyd';

  if (tk.kind !== 'none' && !tk.reachable && tk.lastError) {
    out.push(tk.lastError.startsWith(`${daemon} not running`) ? tk.lastError : `cannot read ${daemon}'s status: ${tk.lastError}`);
  }
  out.push(...explainGnss(s));
  // Said even while the timekeeper cannot be asked: the device comes from its configuration.
  const ppsDisagreement = ppsDeviceDisagreement(s);
  if (ppsDisagreement) out.push(describePpsDisagreement(ppsDisagreement));
  if (tk.kind === 'none' || !tk.reachable) return out;

  const rc = tk.refclocks;
  const nmea = rc ? findRefclock(tk.sources, rc.nmeaRefId) : undefined;
  const pps = rc?.ppsRefId ? findRefclock(tk.sources, rc.ppsRefId) : undefined;
  if (rc) {
    if (!nmea) out.push(`${daemon} has no ${rc.nmeaRefId} refclock: its configuration lacks stratum1d's (run \`stratum1d config apply\`)`);
    else out.push(...explainNmea(s, nmea, pps));
    if (rc.ppsRefId && !pps) out.push(`${daemon} has no ${rc.ppsRefId} refclock: its configuration lacks stratum1d's (run \`stratum1d config apply\`)`);
    else if (pps) out.push(...explainPps(s, pps, daemon));
  }
  for (const src of tk.sources) {
    if (src === pps) continue; // its own rule says more
    if (src.state === 'falseticker') out.push(`${src.name} is a falseticker: it disagrees with the other sources (offset ${fmtS(src.offsetS)})`);
    if (src.state === 'too variable') out.push(`${src.name} is too variable to use (std dev ${fmtS(src.stdDevS, false)})`);
  }
  out.push(...explainSelection(tk, daemon));
  return out;
}

function explainGnss(s: ApplianceState): string[] {
  const g = s.gnss;
  if (g.link !== 'open') return [`GNSS receiver ${g.device} is ${g.link === 'down' ? 'down' : 'not open yet'}${g.lastError ? `: ${g.lastError}` : ''}`];
  if (g.antenna === 'open' || g.antenna === 'short') return [`GNSS antenna ${g.antenna === 'open' ? 'not connected (open circuit)' : 'short-circuited'}`];
  if (!g.trust.timeValid && g.trust.check?.verdict === 'disagrees') return [g.trust.check.message ?? 'GNSS time disagrees with the reference clock'];
  if (!g.trust.timeValid) {
    const fix = g.fix ? ` (last fix mode ${g.fix.mode})` : ', no epoch received';
    return [`GNSS not time-valid yet (${g.trust.validStreak}/${g.trust.needed} good epochs)${g.fix && g.fix.mode >= 2 ? '' : fix}`];
  }
  return [];
}

function explainNmea(s: ApplianceState, nmea: TimeSource, pps: TimeSource | undefined): string[] {
  const tk = s.timekeeper;
  const feed = tk.feed;
  if (nmea.reach === 0 || nmea.lastSampleAgoS === null) {
    if (!s.gnss.trust.timeValid) return [`NMEA refclock receives no samples: stratum1d sends none until the GNSS time is valid`];
    const where = tk.refclocks?.nmeaFeed ?? 'its socket';
    const lastError = feed.lastError ? `, last error: ${feed.lastError}` : '';
    if (tk.kind === 'ntpsec') {
      return [`NMEA refclock receives no samples (is ntpd reading stratum1d's ${where}?): ${feed.shmWrites} SHM writes${lastError}`];
    }
    return [`NMEA refclock receives no samples (is stratum1d's SOCK feed reaching ${where}?): ${feed.sockSent} sent, ${feed.sockFailed} failed${lastError}`];
  }
  const off = nmea.offsetS;
  if (pps && off !== null && Math.abs(off) > PPS_LOCK_LIMIT_S && pps.state !== 'selected') {
    const cal = tk.nmeaOffset;
    const inUse = cal ? `; NMEA delay in use ${fmtS(cal.valueS, false)} (${cal.source}, ${cal.samples} samples)` : '';
    return [
      `NMEA offset too large for PPS lock: the ${nmea.name} refclock is ${fmtS(off)} off and ${pps.name} pairs pulses only within ${PPS_LOCK_LIMIT_S} s${inUse}`,
    ];
  }
  return [];
}

function explainPps(s: ApplianceState, pps: TimeSource, daemon: string): string[] {
  const rc = s.timekeeper.refclocks;
  if (pps.reach === 0 || pps.lastSampleAgoS === null) {
    if (rc?.ppsDevice) {
      const user = daemon === 'chronyd' ? '_chrony' : 'ntpsec';
      const seen = s.pps.link === 'open' && s.pps.pulses > 0 ? ` (stratum1d itself sees ${s.pps.pulses} pulses on ${s.pps.source})` : '';
      return [`PPS refclock unreachable: is ${rc.ppsDevice} present and readable by ${user}?${seen}`];
    }
    return [`PPS refclock receives no pulses (is stratum1d's PPS feed reaching ${daemon}?): ${s.timekeeper.feed.ppsSent} sent`];
  }
  if (pps.state === 'falseticker') return [`PPS refclock is a falseticker: it disagrees with the other sources (offset ${fmtS(pps.offsetS)})`];
  if (pps.state === 'too variable') return [`PPS refclock is too variable to use (std dev ${fmtS(pps.stdDevS, false)}): check the PPS wiring and signal`];
  return [];
}

function explainSelection(tk: TimekeeperState, daemon: string): string[] {
  const selected = tk.sources.find((x) => x.state === 'selected');
  if (selected && selected.kind !== 'refclock') {
    return [`selected source is a network ${selected.kind === 'peer' ? 'peer' : 'server'} (${selected.name}), not the GNSS`];
  }
  if (!selected && tk.synced === false) {
    if (tk.sources.length === 0) return [`${daemon} is not synchronised: it has no sources`];
    return [`${daemon} is not synchronised: no source is selected (${tk.sources.length} known, ${tk.sources.filter((x) => (x.reach ?? 0) > 0).length} reachable)`];
  }
  return [];
}

function findRefclock(sources: readonly TimeSource[], refId: string): TimeSource | undefined {
  return sources.find((x) => x.kind === 'refclock' && x.name === refId);
}

/** Seconds in a unit a person reads at a glance: "+500.0 ms", "-12.3 µs", "+1.250 s". */
export function fmtS(v: number | null, signed = true): string {
  if (v === null) return 'unknown';
  const a = Math.abs(v);
  const sign = signed ? (v < 0 ? '-' : '+') : v < 0 ? '-' : '';
  if (a >= 1) return `${sign}${a.toFixed(3)} s`;
  if (a >= 1e-3) return `${sign}${(a * 1e3).toFixed(1)} ms`;
  if (a >= 1e-6) return `${sign}${(a * 1e6).toFixed(1)} µs`;
  return `${sign}${(a * 1e9).toFixed(0)} ns`;
}
