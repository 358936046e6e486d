import { createReadStream, readFileSync } from 'node:fs';
import type { Fix } from '../../src/daemon/core/fix.js';
import { type TpvReport, tpvReport } from '../../src/daemon/gnss/gpsd-json.js';
import { decodeLog } from '../../src/daemon/gnss/log-reader.js';
import type { DecodeCounters } from '../../src/daemon/gnss/nmea-pipeline.js';

/**
 * gpsd's regression output as an oracle for our decoder.
 *
 * gpsd writes a TPV after most sentences, so one epoch has several TPVs with the same
 * time, each a snapshot of what gpsd had gathered so far. gpsd's fix for a time is the
 * LAST TPV with that time and mode >= 2: the state gpsd held when the epoch ended, with
 * every sentence of the cycle merged in, which is what a gpsd client keeps.
 */

export interface GpsdTpv {
  time: string;
  mode: number;
  lat?: number;
  lon?: number;
  altMSL?: number;
}

export function gpsdTimedFixes(chkPath: string): Map<string, GpsdTpv> {
  const out = new Map<string, GpsdTpv>();
  for (const line of readFileSync(chkPath, 'latin1').split('\n')) {
    if (!line.startsWith('{"class":"TPV"')) continue;
    const o = JSON.parse(line) as GpsdTpv;
    if (o.time && o.mode >= 2) out.set(o.time, o);
  }
  return out;
}

export interface OurTpv {
  report: TpvReport;
  fix: Fix;
}

export interface OurRun {
  /** Our timed fixes (mode >= 2) by time; a log that repeats a time keeps the last, as for gpsd. */
  fixes: Map<string, OurTpv>;
  counters: DecodeCounters;
  tpvCount: number;
}

export async function ourTimedFixes(logPath: string): Promise<OurRun> {
  const fixes = new Map<string, OurTpv>();
  let tpvCount = 0;
  const r = await decodeLog(createReadStream(logPath), {}, {
    fix(fix) {
      tpvCount++;
      const report = tpvReport(fix);
      if (report.time && report.mode >= 2) fixes.set(report.time, { report, fix });
    },
  });
  return { fixes, counters: r.counters, tpvCount };
}

export type Problem = 'missing' | 'mode' | 'latlon' | 'altMSL';

export const LATLON_TOLERANCE = 1e-6; // degrees
export const ALT_TOLERANCE = 0.01; // metres

/** How our fix differs from gpsd's for the same time; empty when they agree. */
export function compareFix(ours: OurTpv | undefined, gpsd: GpsdTpv): Problem[] {
  if (!ours) return ['missing'];
  const o = ours.report;
  const p: Problem[] = [];
  if (o.mode !== gpsd.mode) p.push('mode');
  const dLat = Math.abs((o.lat ?? NaN) - (gpsd.lat ?? NaN));
  const dLon = Math.abs((o.lon ?? NaN) - (gpsd.lon ?? NaN));
  const bothNoPosition = o.lat === undefined && gpsd.lat === undefined;
  if (!bothNoPosition && !(dLat <= LATLON_TOLERANCE && dLon <= LATLON_TOLERANCE)) p.push('latlon');
  const bothNoAlt = o.altMSL === undefined && gpsd.altMSL === undefined;
  if (!bothNoAlt && !(Math.abs((o.altMSL ?? NaN) - (gpsd.altMSL ?? NaN)) <= ALT_TOLERANCE)) p.push('altMSL');
  return p;
}

/**
 * Our fixes that can be compared: those inside the span gpsd reported. Before its first
 * timed fix gpsd has no date (it takes only the century from the `# Date:` header,
 * timebase.c gpsd_set_century), and gpsfake stops it before it reports the log's last
 * cycle; fixes outside that span are counted, not compared.
 */
export function comparable(ours: Map<string, OurTpv>, gpsdTimes: string[]): { inside: string[]; outside: string[] } {
  const sorted = [...gpsdTimes].sort();
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  const inside: string[] = [];
  const outside: string[] = [];
  for (const t of ours.keys()) {
    if (first !== undefined && last !== undefined && t >= first && t <= last) inside.push(t);
    else outside.push(t);
  }
  return { inside, outside };
}
