/**
 * RTC drift against GNSS time, as a pure estimator. The chips count whole seconds, so a plain
 * reading is floor(RTC time): its error is up to 1 s, and with a reading schedule locked to the
 * system second that error does not average out (it stays put until the drift has moved the
 * phase). What is exact is the instant the RTC's second rolls over: the service watches for it
 * ({@link edgePoint}) and hands the estimator points with a known uncertainty. Each write of the
 * RTC starts a new segment (a new offset), and the rate is fitted with a common slope across
 * segments and one intercept per segment (pooled within-segment weighted least squares).
 */
export interface DriftPoint {
  /** Reference (GNSS-disciplined system) time, ms. */
  atMs: number;
  /** RTC minus reference, ms. */
  offsetMs: number;
  /** Half-width of the interval the true offset lies in, ms (> 0). */
  uncertaintyMs: number;
  /** Changes whenever the RTC is written or trimmed. */
  segment: number;
}

export interface DriftEstimate {
  /** + the RTC runs fast. */
  ppm: number;
  /** Standard error of `ppm`. */
  stdErrPpm: number;
  points: number;
  /** Summed span of the segments that carry rate information, s. */
  baselineS: number;
}

export interface DriftOptions {
  minPoints: number;
  minBaselineS: number;
}

/** Two RTC readings taken around a seconds rollover: the RTC read `after.rtcMs` exactly at the edge. */
export function edgePoint(
  before: { refMs: number; rtcMs: number },
  after: { refMs: number; rtcMs: number },
  segment: number,
): DriftPoint | null {
  if (after.rtcMs - before.rtcMs !== 1000 || !(after.refMs > before.refMs)) return null;
  const mid = (before.refMs + after.refMs) / 2;
  return { atMs: mid, offsetMs: after.rtcMs - mid, uncertaintyMs: Math.max((after.refMs - before.refMs) / 2, 0.5), segment };
}

interface Fit {
  slope: number; // ms per ms
  stdErr: number;
  residuals: number[];
  baselineS: number;
}

function fit(points: DriftPoint[]): Fit | null {
  const bySegment = new Map<number, DriftPoint[]>();
  for (const p of points) bySegment.set(p.segment, [...(bySegment.get(p.segment) ?? []), p]);
  const means = new Map<number, { t: number; d: number }>();
  let baselineMs = 0;
  for (const [seg, ps] of bySegment) {
    let w = 0;
    let t = 0;
    let d = 0;
    for (const p of ps) {
      const wi = 1 / (p.uncertaintyMs * p.uncertaintyMs);
      w += wi;
      t += wi * p.atMs;
      d += wi * p.offsetMs;
    }
    means.set(seg, { t: t / w, d: d / w });
    if (ps.length >= 2) baselineMs += Math.max(...ps.map((p) => p.atMs)) - Math.min(...ps.map((p) => p.atMs));
  }
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    const m = means.get(p.segment)!;
    const wi = 1 / (p.uncertaintyMs * p.uncertaintyMs);
    sxx += wi * (p.atMs - m.t) ** 2;
    sxy += wi * (p.atMs - m.t) * (p.offsetMs - m.d);
  }
  if (!(sxx > 0)) return null;
  const slope = sxy / sxx;
  const residuals = points.map((p) => {
    const m = means.get(p.segment)!;
    return p.offsetMs - (m.d + slope * (p.atMs - m.t));
  });
  const dof = points.length - bySegment.size - 1;
  // Uniform edge uncertainty of half-width u has variance u²/3: the weights above are relative.
  let chi = 0;
  points.forEach((p, i) => (chi += (residuals[i]! / p.uncertaintyMs) ** 2));
  const scale = dof > 0 ? Math.max(chi / dof, 1 / 3) : 1 / 3;
  return { slope, stdErr: Math.sqrt(scale / sxx), residuals, baselineS: baselineMs / 1000 };
}

/** Null until there are enough points over a long enough baseline. One pass drops gross outliers (an I2C read delayed by the scheduler). */
export function estimateDrift(points: DriftPoint[], o: DriftOptions): DriftEstimate | null {
  let use = points;
  let f = fit(use);
  if (!f) return null;
  const rms = Math.sqrt(f.residuals.reduce((a, r) => a + r * r, 0) / f.residuals.length);
  const kept = use.filter((p, i) => Math.abs(f!.residuals[i]!) <= Math.max(3 * p.uncertaintyMs, 4 * rms));
  if (kept.length < use.length) {
    use = kept;
    f = fit(use);
    if (!f) return null;
  }
  if (use.length < o.minPoints || f.baselineS < o.minBaselineS) return null;
  return { ppm: f.slope * 1e6, stdErrPpm: f.stdErr * 1e6, points: use.length, baselineS: f.baselineS };
}

/** Keeps the newest `max` points: hours of history at a few points an hour stay small. */
export function addPoint(points: DriftPoint[], p: DriftPoint, max: number): DriftPoint[] {
  const next = [...points, p];
  return next.length > max ? next.slice(next.length - max) : next;
}

/**
 * How far to move a frequency trim for a measured drift: `round(-ppm / ppmPerStep)` register
 * steps, at most `maxStep` either way, never past the register's range; 0 when the drift is
 * within half a step or not known well enough (its standard error above `maxStdErrPpm`).
 */
export function trimStep(
  drift: DriftEstimate,
  trim: { ppmPerStep: number; min: number; max: number; current: number },
  o: { maxStep: number; maxStdErrPpm: number },
): number {
  if (drift.stdErrPpm > o.maxStdErrPpm) return 0;
  const ideal = Math.round(-drift.ppm / trim.ppmPerStep);
  const bounded = Math.max(-o.maxStep, Math.min(o.maxStep, ideal));
  const target = Math.max(trim.min, Math.min(trim.max, trim.current + bounded));
  return target - trim.current;
}
