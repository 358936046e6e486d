import type { GpsdTpv, OurTpv, Problem } from './gpsd-oracle.js';

/**
 * Where gpsd's regression output is not the truth, with the reason. Each quirk says which
 * differences it explains and checks that everything else about the fix still agrees, so
 * a listed log is still compared field by field; only the named difference is excused.
 */
export interface Quirk {
  id: string;
  reason: string;
  /** For a fix both sides have: does this quirk account for exactly these problems? */
  explains?(ours: OurTpv, gpsd: GpsdTpv, problems: Problem[]): boolean;
  /** For a fix only we have (inside gpsd's span): does this quirk account for gpsd's silence? */
  explainsExtra?(ours: OurTpv, gpsdNeighbour: GpsdTpv | undefined): boolean;
  /** Undo a systematic change gpsd made to its times before comparing. */
  mapGpsdTime?(time: string): string;
}

const only = (problems: Problem[], allowed: Problem[]): boolean => problems.every((p) => allowed.includes(p));

export const STICKY_3D: Quirk = {
  id: 'sticky-3d',
  reason:
    'gpsd never downgrades 3D to 2D while it remembers an altitude from an earlier sentence ' +
    '(driver_nmea0183.c, end of nmea_parse(); RMC and GLL promote to 3D when any altitude is known), ' +
    'so it says 3D for epochs the receiver itself reports as 2D (GSA fix type 2, altitude held) ' +
    'or that carry no altitude at all. We report the receiver\'s mode.',
  explains(ours, gpsd, problems) {
    if (!only(problems, ['mode']) || gpsd.mode !== 3 || ours.report.mode !== 2) return false;
    const receiverSaid2d = ours.fix.sentences.includes('GSA'); // our mode comes from GSA when there is one
    const noAltitudeAnywhere = gpsd.altMSL === undefined && ours.report.altMSL === undefined;
    return receiverSaid2d || noAltitudeAnywhere;
  },
};

export const WEEK_ROLLOVER_SHIFT: Quirk = {
  id: 'wkro-shift',
  reason:
    "the header reads '# Date = 2015-03-10', not gpsfake's '# Date:' form, so gpsd ran on the wall " +
    'clock and its GPS week-rollover correction (timebase.c gpsd_utc_resolve: leap seconds > 17 but ' +
    'a date before 2017) added 1024 weeks to every 2014 date, giving 2033. Times are compared ' +
    'after taking the 1024 weeks off again.',
  mapGpsdTime(time) {
    return new Date(Date.parse(time) - 1024 * 7 * 86_400_000).toISOString();
  },
};

export const GARMIN_PGRMZ_ALTITUDE: Quirk = {
  id: 'pgrmz-altitude',
  reason:
    "both decode Garmin's proprietary $PGRMZ (altitude in whole feet). gpsd lets it overwrite GGA's " +
    "decimetre altitude in the same epoch; we keep GGA's and use PGRMZ's only when no GGA altitude " +
    'came (and its fix dimension when no GSA did). The epoch must hold a PGRMZ, gpsd\'s value must be ' +
    'a whole number of feet, and the two agree to half a foot.',
  explains(ours, gpsd, problems) {
    if (!only(problems, ['altMSL']) || ours.report.altMSL === undefined || gpsd.altMSL === undefined) return false;
    if (!ours.fix.sentences.includes('PGRMZ')) return false;
    const feet = gpsd.altMSL / 0.3048;
    return Math.abs(feet - Math.round(feet)) < 1e-3 && Math.abs(ours.report.altMSL - gpsd.altMSL) <= 0.3048 / 2 + 0.05;
  },
};

export const PLOTTER_LATE_GLL: Quirk = {
  id: 'late-gll',
  reason:
    'this chart plotter stamps GLL with the next second from 09:48:16 on and repeats the previous ' +
    "position in it. GLL ends gpsd's cycle, so gpsd's last report for that second is the GLL alone " +
    "(older position, no altitude); the second's own GGA arrives after gpsd's cycle end and is never " +
    'reported. Our epoch keeps the GGA. The positions are one second of travel apart (< 5e-5°).',
  explains(ours, gpsd, problems) {
    if (!only(problems, ['latlon', 'altMSL']) || gpsd.altMSL !== undefined) return false;
    const o = ours.report;
    return Math.abs((o.lat ?? NaN) - (gpsd.lat ?? NaN)) < 5e-5 && Math.abs((o.lon ?? NaN) - (gpsd.lon ?? NaN)) < 5e-5;
  },
};

export const MISSED_CYCLE: Quirk = {
  id: 'missed-cycle',
  reason:
    'gpsd reports only when the sentence it learnt as the cycle end arrives; when a cycle lacks it ' +
    "(a receiver rotating one position sentence per second, a gap in the recording), gpsd's report " +
    'for that second never goes out. We close such an epoch when the time moves on. Our fix must ' +
    "still sit on gpsd's track (within 0.001° of gpsd's nearest fix in time).",
  explainsExtra(ours, neighbour) {
    if (!neighbour || ours.report.lat === undefined || neighbour.lat === undefined) return false;
    return Math.abs(ours.report.lat - neighbour.lat) < 1e-3 && Math.abs((ours.report.lon ?? NaN) - (neighbour.lon ?? NaN)) < 1e-3;
  },
};

/** Logs that cannot reach 95 % strict agreement, and the gpsd behaviour that explains it. */
export const KNOWN_DIVERGENCES: Record<string, Quirk[]> = {
  'bundg_zeus_9.log': [PLOTTER_LATE_GLL],
  'ch-4711.log': [STICKY_3D],
  'garmin-10x.log': [STICKY_3D],
  'humminbird-M37.log': [STICKY_3D, MISSED_CYCLE],
  'oncore.log': [STICKY_3D],
  'quectel.log': [STICKY_3D],
  'rgm3800.log': [STICKY_3D],
  'rst39.log': [WEEK_ROLLOVER_SHIFT],
  'telit-pls83-w.log': [STICKY_3D],
  'tn204.log': [STICKY_3D, GARMIN_PGRMZ_ALTITUDE, MISSED_CYCLE],
  'triton400.log': [STICKY_3D],
  'ublox-lea-5h.log': [STICKY_3D],
};
