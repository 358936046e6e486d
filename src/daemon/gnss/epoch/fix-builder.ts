import type { Fix, FixMode, FixStatus } from '../../core/fix.js';
import type { UtcTime } from '../../core/utc-time.js';
import { faaFromSatellites, faaSaysInvalid, faaStatus, ggaQualityStatus } from '../nmea/faa-mode.js';
import type { LatLon, Sentence } from '../nmea/sentence-types.js';
import { FOOT_M } from '../nmea/sentences/pgrmz.js';
import type { EpochVerdict } from './trust-tracker.js';

const KNOT_MS = 1852 / 3600;

interface PositionSource {
  position: LatLon;
  rank: number; // GGA 0, GNS 1, RMC 2, GLL 3: used to break ties in precision
}

/** What the epoch's sentences say about the fix, before choosing values. */
interface Evidence {
  sources: PositionSource[];
  /** Some sentence says the receiver has no valid fix. */
  invalid: boolean;
  /** Some sentence says the solution is not from satellites (dead reckoning, simulator). */
  notSatellite: boolean;
  status: FixStatus | null;
}

function gather(sentences: Sentence[]): Evidence {
  const ev: Evidence = { sources: [], invalid: false, notSatellite: false, status: null };
  const status = (s: FixStatus | null): void => {
    if (ev.status === null && s !== null) ev.status = s;
  };
  for (const s of sentences) {
    switch (s.type) {
      case 'GGA':
        // Quality 0 is "fix not available"; an empty quality (myguide-3100) says nothing.
        if (s.quality === 0) ev.invalid = true;
        else if (s.quality !== null && s.position) {
          ev.sources.push({ position: s.position, rank: 0 });
          status(ggaQualityStatus(s.quality));
          if (s.quality === 6 || s.quality === 8) ev.notSatellite = true;
        }
        break;
      case 'GNS': {
        // One letter per constellation: the fix is valid if any constellation has one.
        const modes = s.modes ?? '';
        const best = [...modes].find((m) => !faaSaysInvalid(m)) ?? null;
        if (best === null) ev.invalid = true;
        else if (s.position) {
          ev.sources.push({ position: s.position, rank: 1 });
          status(faaStatus(best));
          if (!faaFromSatellites(best) || s.navStatus === 'U') ev.notSatellite = true;
        }
        break;
      }
      case 'RMC':
        // RMC status V is the "navigation receiver warning"; a missing status is no better.
        // Field 13 (navigational status) is ignored: receivers send V there beside a valid
        // fix (every such RMC in gpsd's regression logs does), meaning "no indication".
        if (s.status !== 'A' || faaSaysInvalid(s.faaMode)) ev.invalid = true;
        else if (s.position) {
          ev.sources.push({ position: s.position, rank: 2 });
          status(faaStatus(s.faaMode));
          if (!faaFromSatellites(s.faaMode)) ev.notSatellite = true;
        }
        break;
      case 'GLL':
        // NMEA 2.0 GLL had no status field: a position alone is taken as valid.
        if (s.status === 'V' || faaSaysInvalid(s.faaMode)) ev.invalid = true;
        else if (s.position) {
          ev.sources.push({ position: s.position, rank: 3 });
          status(faaStatus(s.faaMode));
          if (!faaFromSatellites(s.faaMode)) ev.notSatellite = true;
        }
        break;
      case 'GSA':
        if (s.fixType === 1) ev.invalid = true;
        break;
      case 'VTG':
        if (faaSaysInvalid(s.faaMode)) ev.invalid = true;
        break;
      case 'PGRMF':
        if (s.fixType === 0) ev.invalid = true;
        break;
      default:
        break;
    }
  }
  return ev;
}

/** The finest position wins: some receivers send RMC with fewer decimals than GGA. */
function bestPosition(sources: PositionSource[]): LatLon | null {
  let best: PositionSource | null = null;
  for (const s of sources) {
    if (!best || s.position.digits > best.position.digits || (s.position.digits === best.position.digits)) {
      best = s;
    }
  }
  return best?.position ?? null;
}

function first<T>(values: Iterable<T | null>): T | null {
  for (const v of values) if (v !== null) return v;
  return null;
}

export interface EpochFix {
  fix: Fix;
  verdict: EpochVerdict;
}

export function buildFix(sentences: Sentence[], time: UtcTime | null, receivedAt: number): EpochFix {
  const ev = gather(sentences);
  const ggaLike = sentences.filter((s) => s.type === 'GGA' || s.type === 'GNS');
  const rmc = sentences.filter((s) => s.type === 'RMC');
  const vtg = sentences.filter((s) => s.type === 'VTG');
  const gsaTypes = sentences.flatMap((s) => (s.type === 'GSA' && s.fixType !== null ? [s.fixType] : []));
  const position = ev.invalid ? null : bestPosition(ev.sources);

  // Garmin: $PGRMZ has the altitude in whole feet, $PGRME the receiver's error estimates and
  // $PGRMF the GPS-UTC leap seconds. GGA's decimetres beat PGRMZ's feet when both came.
  const pgrmz = sentences.flatMap((s) => (s.type === 'PGRMZ' ? [s] : []));
  const pgrme = sentences.flatMap((s) => (s.type === 'PGRME' ? [s] : []));
  const pgrmf = sentences.flatMap((s) => (s.type === 'PGRMF' ? [s] : []));
  const garminAlt = first(pgrmz.map((s) => (s.altitudeFeet === null ? null : s.altitudeFeet * FOOT_M)));
  const altMSL = position ? (first(ggaLike.map((s) => s.altMSL)) ?? garminAlt) : null;
  const geoidSep = position ? first(ggaLike.map((s) => s.geoidSep)) : null;
  const satsUsed = first(ggaLike.map((s) => s.satsUsed));

  let mode: FixMode = 0;
  if (ev.invalid) mode = 1;
  else if (position) {
    // GSA states the mode; without it, an altitude from enough satellites means 3D.
    const gsaMode = gsaTypes.length ? Math.max(...gsaTypes) : null;
    const garminDim = first(pgrmz.map((s) => (s.fixDimension === 2 || s.fixDimension === 3 ? s.fixDimension : null)));
    if (gsaMode === 2 || gsaMode === 3) mode = gsaMode;
    else if (garminDim !== null) mode = garminDim;
    else mode = altMSL !== null && (satsUsed === null || satsUsed >= 4) ? 3 : 2;
  }

  const speedKnots = first([...rmc.map((s) => s.speedKnots), ...vtg.map((s) => s.speedKnots)]);
  const speedKmh = first(vtg.map((s) => s.speedKmh));
  const speed = speedKnots !== null ? speedKnots * KNOT_MS : speedKmh !== null ? speedKmh / 3.6 : null;
  const errors = sentences.flatMap((s) => (s.type === 'GST' || s.type === 'GBS' ? [s] : []));
  const latErr = first(errors.map((s) => s.latErr));
  const lonErr = first(errors.map((s) => s.lonErr));
  const has2d = mode >= 2;

  const fix: Fix = {
    time,
    mode,
    status: has2d ? ev.status : null,
    leapSeconds: first(pgrmf.map((s) => s.leapSeconds)), // standard NMEA 0183 carries no GPS-UTC offset
    lat: position?.lat ?? null,
    lon: position?.lon ?? null,
    altHAE: altMSL !== null && geoidSep !== null ? altMSL + geoidSep : null,
    altMSL,
    geoidSep,
    speed: has2d ? speed : null,
    track: has2d ? first([...rmc.map((s) => s.trackTrue), ...vtg.map((s) => s.trackTrue)]) : null,
    magvar: has2d ? first(rmc.map((s) => s.magvar)) : null,
    climb: null, // no NMEA sentence carries a vertical speed
    eph: has2d ? (latErr !== null && lonErr !== null ? Math.hypot(latErr, lonErr) : first(pgrme.map((s) => s.hpe))) : null,
    epv: has2d ? (first(errors.map((s) => s.altErr)) ?? first(pgrme.map((s) => s.vpe))) : null,
    sep: has2d ? first(pgrme.map((s) => s.epe)) : null,
    receivedAt,
    sentences: [...new Set(sentences.map((s) => s.type))],
  };

  let verdict: EpochVerdict;
  if (ev.invalid) verdict = 'invalid';
  else if (!position) verdict = 'neutral';
  else verdict = time !== null && !ev.notSatellite ? 'valid' : 'invalid';
  return { fix, verdict };
}
