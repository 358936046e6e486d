import type { TimekeeperTracking } from './timekeeper-types.js';

/**
 * Holdover: the reference (GNSS time + PPS) is gone and the system clock runs on the frequency
 * the timekeeper last learned. Its time error is modelled as the usual quadratic
 * x(t) = x0 + y0·t + ½·D·t² (ITU-T G.810 §4.5.13 time error; the holdover model of ITU-T
 * G.8262/G.8273.2 appendices): x0 = |system offset| + root dispersion at the loss, y0 = the
 * timekeeper's frequency skew (the uncertainty of the frequency it holds), D = how fast that
 * frequency was wandering before the loss (slope of the timekeeper's frequency, at least a
 * configured floor, since a crystal drifts with temperature). Pure: a step function of inputs.
 */
export interface HoldoverConfig {
  budgetS: number;
  /** Floor for D, ppm per hour. */
  minWanderPpmPerHour: number;
  /** How much frequency history to fit D on, s. */
  historyS: number;
}

export interface HoldoverInput {
  nowMs: number;
  /** GNSS time-valid and (if PPS is configured) PPS present. */
  referenceOk: boolean;
  /** Timekeeper synchronised (null: unknown, e.g. kind none). */
  synced: boolean | null;
  tracking: TimekeeperTracking | null;
}

interface AtLoss {
  x0S: number;
  skewPpm: number;
  wanderPpmPerHour: number;
}

export interface HoldoverMemory {
  lockedOnce: boolean;
  lostAt: number | null;
  atLoss: AtLoss | null;
  frequency: Array<{ atMs: number; ppm: number }>;
  /** x0 and skew of the last tracking record seen while locked. */
  lastLocked: { x0S: number; skewPpm: number } | null;
}

export interface HoldoverStatus {
  state: 'locked' | 'holdover' | 'unlocked';
  /** When the reference was lost (holdover only). */
  since: number | null;
  estimatedErrorS: number | null;
  budgetS: number;
  /** Alarm-worthy: the estimate crossed the budget. */
  overBudget: boolean;
  skewPpm: number | null;
  wanderPpmPerHour: number | null;
}

export const initialHoldoverMemory: HoldoverMemory = { lockedOnce: false, lostAt: null, atLoss: null, frequency: [], lastLocked: null };

export function initialHoldoverStatus(budgetS: number): HoldoverStatus {
  return { state: 'unlocked', since: null, estimatedErrorS: null, budgetS, overBudget: false, skewPpm: null, wanderPpmPerHour: null };
}

/** |slope| of frequency over time, ppm per hour; 0 with fewer than two points. */
export function frequencyWander(history: Array<{ atMs: number; ppm: number }>): number {
  if (history.length < 2) return 0;
  const n = history.length;
  const mt = history.reduce((a, p) => a + p.atMs, 0) / n;
  const mf = history.reduce((a, p) => a + p.ppm, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const p of history) {
    sxx += (p.atMs - mt) ** 2;
    sxy += (p.atMs - mt) * (p.ppm - mf);
  }
  return sxx > 0 ? Math.abs(sxy / sxx) * 3_600_000 : 0;
}

function x0Of(tr: TimekeeperTracking): number {
  return Math.abs(tr.systemOffsetS ?? 0) + Math.abs(tr.rootDispersionS ?? 0);
}

export function holdoverError(atLoss: AtLoss, elapsedS: number): number {
  const d = (atLoss.wanderPpmPerHour / 3600) * 1e-6; // per second per second
  return atLoss.x0S + atLoss.skewPpm * 1e-6 * elapsedS + 0.5 * d * elapsedS * elapsedS;
}

export function stepHoldover(
  mem: HoldoverMemory,
  input: HoldoverInput,
  cfg: HoldoverConfig,
): { memory: HoldoverMemory; status: HoldoverStatus } {
  const tr = input.tracking;
  const locked = input.referenceOk && input.synced !== false;
  if (locked) {
    let frequency = mem.frequency;
    if (tr?.frequencyPpm !== null && tr?.frequencyPpm !== undefined) {
      frequency = [...frequency, { atMs: input.nowMs, ppm: tr.frequencyPpm }].filter((p) => p.atMs >= input.nowMs - cfg.historyS * 1000);
    }
    const wander = Math.max(frequencyWander(frequency), cfg.minWanderPpmPerHour);
    return {
      memory: {
        lockedOnce: true,
        lostAt: null,
        atLoss: null,
        frequency,
        lastLocked: tr ? { x0S: x0Of(tr), skewPpm: Math.abs(tr.skewPpm ?? 0) } : mem.lastLocked,
      },
      status: { ...initialHoldoverStatus(cfg.budgetS), state: 'locked', skewPpm: tr?.skewPpm ?? null, wanderPpmPerHour: wander },
    };
  }
  if (!mem.lockedOnce) return { memory: mem, status: initialHoldoverStatus(cfg.budgetS) };
  let memory = mem;
  if (mem.lostAt === null || mem.atLoss === null) {
    // The last tracking seen while locked is what the clock now coasts on; the current record
    // may already be degraded, so take the worse of the two for x0 and skew.
    const x0S = Math.max(tr ? x0Of(tr) : 0, mem.lastLocked?.x0S ?? 0);
    const skewPpm = Math.max(Math.abs(tr?.skewPpm ?? 0), mem.lastLocked?.skewPpm ?? 0);
    memory = {
      ...mem,
      lostAt: input.nowMs,
      atLoss: { x0S, skewPpm, wanderPpmPerHour: Math.max(frequencyWander(mem.frequency), cfg.minWanderPpmPerHour) },
    };
  }
  const atLoss = memory.atLoss!;
  const elapsedS = Math.max(0, (input.nowMs - memory.lostAt!) / 1000);
  const err = holdoverError(atLoss, elapsedS);
  return {
    memory,
    status: {
      state: 'holdover',
      since: memory.lostAt,
      estimatedErrorS: err,
      budgetS: cfg.budgetS,
      overBudget: err > cfg.budgetS,
      skewPpm: atLoss.skewPpm,
      wanderPpmPerHour: atLoss.wanderPpmPerHour,
    },
  };
}
