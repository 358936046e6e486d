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

export interface EpochFix {
  fix: Fix;
  verdict: EpochVerdict;
}

/**
 * The values an epoch offers, each the first non-null one in sentence order (GGA/GNS for
 * altitude, RMC before VTG for speed and track, ...). One pass with no intermediate arrays:
 * this runs once per epoch, and decoding a long log spends a real share of its time here.
 */
interface Offered {
  altMSL: number | null;
  geoidSep: number | null;
  satsUsed: number | null;
  gsaMode: number | null;
  garminAlt: number | null;
  garminDim: 2 | 3 | null;
  hpe: number | null;
  vpe: number | null;
  epe: number | null;
  leapSeconds: number | null;
  rmcSpeed: number | null;
  vtgSpeed: number | null;
  vtgKmh: number | null;
  rmcTrack: number | null;
  vtgTrack: number | null;
  magvar: number | null;
  latErr: number | null;
  lonErr: number | null;
  altErr: number | null;
  types: string[];
}

function offered(sentences: Sentence[]): Offered {
  const o: Offered = {
    altMSL: null,
    geoidSep: null,
    satsUsed: null,
    gsaMode: null,
    garminAlt: null,
    garminDim: null,
    hpe: null,
    vpe: null,
    epe: null,
    leapSeconds: null,
    rmcSpeed: null,
    vtgSpeed: null,
    vtgKmh: null,
    rmcTrack: null,
    vtgTrack: null,
    magvar: null,
    latErr: null,
    lonErr: null,
    altErr: null,
    types: [],
  };
  // `if (x === null) x = v` keeps the first value that is not null, exactly like a scan.
  for (const s of sentences) {
    if (!o.types.includes(s.type)) o.types.push(s.type);
    switch (s.type) {
      case 'GGA':
      case 'GNS':
        if (o.altMSL === null) o.altMSL = s.altMSL;
        if (o.geoidSep === null) o.geoidSep = s.geoidSep;
        if (o.satsUsed === null) o.satsUsed = s.satsUsed;
        break;
      case 'RMC':
        if (o.rmcSpeed === null) o.rmcSpeed = s.speedKnots;
        if (o.rmcTrack === null) o.rmcTrack = s.trackTrue;
        if (o.magvar === null) o.magvar = s.magvar;
        break;
      case 'VTG':
        if (o.vtgSpeed === null) o.vtgSpeed = s.speedKnots;
        if (o.vtgKmh === null) o.vtgKmh = s.speedKmh;
        if (o.vtgTrack === null) o.vtgTrack = s.trackTrue;
        break;
      case 'GSA':
        if (s.fixType !== null && (o.gsaMode === null || s.fixType > o.gsaMode)) o.gsaMode = s.fixType;
        break;
      case 'GST':
      case 'GBS':
        if (o.latErr === null) o.latErr = s.latErr;
        if (o.lonErr === null) o.lonErr = s.lonErr;
        if (o.altErr === null) o.altErr = s.altErr;
        break;
      // Garmin: $PGRMZ has the altitude in whole feet, $PGRME the receiver's error estimates
      // and $PGRMF the GPS-UTC leap seconds.
      case 'PGRMZ':
        if (o.garminAlt === null) o.garminAlt = s.altitudeFeet === null ? null : s.altitudeFeet * FOOT_M;
        if (o.garminDim === null && (s.fixDimension === 2 || s.fixDimension === 3)) o.garminDim = s.fixDimension;
        break;
      case 'PGRME':
        if (o.hpe === null) o.hpe = s.hpe;
        if (o.vpe === null) o.vpe = s.vpe;
        if (o.epe === null) o.epe = s.epe;
        break;
      case 'PGRMF':
        if (o.leapSeconds === null) o.leapSeconds = s.leapSeconds;
        break;
      default:
        break;
    }
  }
  return o;
}

export function buildFix(sentences: Sentence[], time: UtcTime | null, receivedAt: number): EpochFix {
  const ev = gather(sentences);
  const o = offered(sentences);
  const position = ev.invalid ? null : bestPosition(ev.sources);

  // GGA's decimetres beat PGRMZ's feet when both came.
  const altMSL = position ? (o.altMSL ?? o.garminAlt) : null;
  const geoidSep = position ? o.geoidSep : null;
  const satsUsed = o.satsUsed;

  let mode: FixMode = 0;
  if (ev.invalid) mode = 1;
  else if (position) {
    // GSA states the mode; without it, an altitude from enough satellites means 3D.
    const gsaMode = o.gsaMode;
    if (gsaMode === 2 || gsaMode === 3) mode = gsaMode;
    else if (o.garminDim !== null) mode = o.garminDim;
    else mode = altMSL !== null && (satsUsed === null || satsUsed >= 4) ? 3 : 2;
  }

  const speedKnots = o.rmcSpeed ?? o.vtgSpeed;
  const speedKmh = o.vtgKmh;
  const speed = speedKnots !== null ? speedKnots * KNOT_MS : speedKmh !== null ? speedKmh / 3.6 : null;
  const latErr = o.latErr;
  const lonErr = o.lonErr;
  const has2d = mode >= 2;

  const fix: Fix = {
    time,
    mode,
    status: has2d ? ev.status : null,
    leapSeconds: o.leapSeconds, // standard NMEA 0183 carries no GPS-UTC offset
    lat: position?.lat ?? null,
    lon: position?.lon ?? null,
    altHAE: altMSL !== null && geoidSep !== null ? altMSL + geoidSep : null,
    altMSL,
    geoidSep,
    speed: has2d ? speed : null,
    track: has2d ? (o.rmcTrack ?? o.vtgTrack) : null,
    magvar: has2d ? o.magvar : null,
    climb: null, // no NMEA sentence carries a vertical speed
    eph: has2d ? (latErr !== null && lonErr !== null ? Math.hypot(latErr, lonErr) : o.hpe) : null,
    epv: has2d ? (o.altErr ?? o.vpe) : null,
    sep: has2d ? o.epe : null,
    receivedAt,
    sentences: o.types,
  };

  let verdict: EpochVerdict;
  if (ev.invalid) verdict = 'invalid';
  else if (!position) verdict = 'neutral';
  else verdict = time !== null && !ev.notSatellite ? 'valid' : 'invalid';
  return { fix, verdict };
}
