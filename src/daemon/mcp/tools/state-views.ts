import { describeTimeCheck } from '../../core/gnss-time-check.js';
import type { ApplianceState } from '../../core/appliance-state.js';
import type { SatelliteView } from '../../core/fix.js';
import type { SourceState, TimeSource } from '../../core/timekeeper-types.js';
import { utcToIso } from '../../core/utc-time.js';
import { SubsystemMissing } from '../appliance-api.js';

/** Pure views of the appliance state for the timekeeping tools (and the status resource). */

/** What each source state means, in words (chronyc(1), "sources", column S). */
export const SOURCE_STATE_WORDS: Record<SourceState, string> = {
  selected: 'the source the clock is synchronised to now (chronyc "*")',
  combined: 'acceptable; combined with the selected source ("+")',
  'not combined': 'acceptable but left out of the combination: too far from the others or too variable ("-")',
  unreachable: 'no sample in the last 8 polls: the source does not answer (chronyc "?" with reach 0)',
  'not selectable': 'samples arrive (reach > 0) but the source cannot be selected: configured noselect, too few samples yet, or not synchronised (chronyc "?")',
  falseticker: 'disagrees with the majority of sources, so it is rejected ("x")',
  'too variable': 'its samples vary too much to be used ("~")',
  unknown: 'state not reported',
};

/** gpsd's gnssid numbering (u-blox): see core/fix.ts. */
const CONSTELLATIONS = ['GPS', 'SBAS', 'Galileo', 'BeiDou', 'IMES', 'QZSS', 'GLONASS', 'NavIC'] as const;
const MODE_WORDS = ['no report yet', 'no fix', '2D fix', '3D fix'] as const;

export function constellationOf(gnssid: number | null): string {
  return gnssid === null ? 'unknown' : (CONSTELLATIONS[gnssid] ?? `gnssid ${gnssid}`);
}

export function requireTimekeeper(s: ApplianceState): void {
  const tk = s.timekeeper;
  if (tk.kind === 'none') {
    throw new SubsystemMissing(
      'timekeeper',
      'no timekeeper is configured (timekeeper.kind is none), so nothing disciplines the clock or serves NTP',
      'install chrony (`sudo apt install chrony`), set `timekeeper.kind: chrony` in the stratum1d config, then run `stratum1d config apply`',
    );
  }
  if (!tk.reachable) {
    const daemon = tk.kind === 'ntpsec' ? 'ntpd' : 'chronyd';
    const pkg = tk.kind === 'ntpsec' ? 'ntpsec' : 'chrony';
    throw new SubsystemMissing(
      tk.kind,
      `${daemon} is not answering status queries${tk.lastError ? `: ${tk.lastError}` : ' (no status yet)'}`,
      `check that ${pkg} is installed (\`sudo apt install ${pkg}\`) and running (\`systemctl status ${pkg}\`), and that stratum1d may query it`,
    );
  }
}

export function sourceView(x: TimeSource): TimeSource & { explanation: string } {
  return { ...x, explanation: SOURCE_STATE_WORDS[x.state] ?? SOURCE_STATE_WORDS.unknown };
}

export function constellations(sats: readonly SatelliteView[]): { constellation: string; visible: number; used: number }[] {
  const by = new Map<string, { constellation: string; visible: number; used: number }>();
  for (const sat of sats) {
    const name = constellationOf(sat.gnssid);
    const row = by.get(name) ?? { constellation: name, visible: 0, used: 0 };
    row.visible += 1;
    if (sat.used) row.used += 1;
    by.set(name, row);
  }
  return [...by.values()].sort((a, b) => b.visible - a.visible || a.constellation.localeCompare(b.constellation));
}

export function gnssView(s: ApplianceState) {
  const g = s.gnss;
  const sats = g.sky?.satellites ?? [];
  return {
    device: g.device,
    link: g.link,
    lastError: g.lastError,
    reconnects: g.reconnects,
    fix: g.fix
      ? {
          mode: g.fix.mode,
          modeText: MODE_WORDS[g.fix.mode],
          status: g.fix.status,
          time: g.fix.time ? utcToIso(g.fix.time) : null,
          lat: g.fix.lat,
          lon: g.fix.lon,
          altMSL: g.fix.altMSL,
          receivedAt: g.fix.receivedAt,
        }
      : null,
    timeValid: g.trust.timeValid,
    validStreak: g.trust.validStreak,
    validNeeded: g.trust.needed,
    timeCheck: g.trust.check ?? null,
    timeCheckText: describeTimeCheck(g.trust.check),
    lastTimeStep: g.trust.lastStep ?? null,
    satellitesVisible: g.sky?.nSat ?? (sats.length > 0 ? sats.length : null),
    satellitesUsed: g.sky?.uSat ?? (sats.length > 0 ? sats.filter((x) => x.used).length : null),
    constellations: constellations(sats),
    dop: { hdop: g.sky?.hdop ?? null, pdop: g.sky?.pdop ?? null, vdop: g.sky?.vdop ?? null },
    antenna: g.antenna,
  };
}

export function satelliteRows(s: ApplianceState) {
  return (s.gnss.sky?.satellites ?? []).map((x) => ({
    constellation: constellationOf(x.gnssid),
    prn: x.PRN,
    svid: x.svid,
    sigid: x.sigid,
    elevationDeg: x.el,
    azimuthDeg: x.az,
    snrDbHz: x.ss,
    used: x.used,
  }));
}
