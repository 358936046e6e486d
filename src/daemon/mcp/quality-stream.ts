import type { ApplianceState } from '../core/appliance-state.js';
import { qualityFrom, type TimeQuality } from './tools/quality.js';

/**
 * The daemon side of the stdio bridge's quality subscription (`mcp.watchQuality`): the time
 * quality get_time reports, pushed when it changes, at most once per `minIntervalMs` (a burst of
 * state changes becomes one push of the latest), and at least once per `heartbeatMs` even when
 * nothing changed, so the bridge can tell a quiet daemon from a stuck one and never mistakes an
 * old snapshot for a current one (quality-feed.ts).
 */
export interface QualityEvent {
  /** Increases by one per push on this subscription. */
  seq: number;
  quality: TimeQuality;
  /** The daemon's promise: the next push comes within this many ms. */
  heartbeatMs: number;
}

export interface QualityStreamOptions {
  minIntervalMs: number;
  heartbeatMs: number;
}

export const QUALITY_STREAM_DEFAULTS: QualityStreamOptions = { minIntervalMs: 100, heartbeatMs: 1000 };

export interface StreamTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(t: unknown): void;
}

const realTimers: StreamTimers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (t) => clearTimeout(t as NodeJS.Timeout),
};

/** Client-chosen intervals, clamped: a bridge cannot make the daemon push faster than 20 Hz. */
export function streamOptions(params: unknown): QualityStreamOptions {
  const p = (params ?? {}) as { minIntervalMs?: unknown; heartbeatMs?: unknown };
  const num = (v: unknown, d: number, lo: number, hi: number) => (typeof v === 'number' && Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : d);
  return { minIntervalMs: num(p.minIntervalMs, QUALITY_STREAM_DEFAULTS.minIntervalMs, 50, 5000), heartbeatMs: num(p.heartbeatMs, QUALITY_STREAM_DEFAULTS.heartbeatMs, 250, 10_000) };
}

export function watchQuality(
  initial: ApplianceState,
  watch: (listener: (s: ApplianceState) => void) => () => void,
  push: (e: QualityEvent) => void,
  opts: QualityStreamOptions = QUALITY_STREAM_DEFAULTS,
  timers: StreamTimers = realTimers,
): { first: QualityEvent; stop(): void } {
  let seq = 0;
  let current = qualityFrom(initial);
  let sentKey = JSON.stringify(current);
  let sentAt = timers.now();
  let pending: unknown = null;
  let heartbeat: unknown = null;
  let stopped = false;
  const send = (): void => {
    if (stopped) return;
    if (pending !== null) timers.clearTimeout(pending);
    pending = null;
    sentKey = JSON.stringify(current);
    sentAt = timers.now();
    push({ seq: ++seq, quality: current, heartbeatMs: opts.heartbeatMs });
    armHeartbeat();
  };
  const armHeartbeat = (): void => {
    if (heartbeat !== null) timers.clearTimeout(heartbeat);
    heartbeat = timers.setTimeout(send, opts.heartbeatMs);
  };
  const unwatch = watch((s) => {
    const q = qualityFrom(s);
    if (JSON.stringify(q) === sentKey) {
      current = q;
      return;
    }
    current = q;
    if (pending !== null) return; // already scheduled: it sends the latest
    const wait = sentAt + opts.minIntervalMs - timers.now();
    if (wait <= 0) send();
    else pending = timers.setTimeout(send, wait);
  });
  armHeartbeat();
  return {
    first: { seq: 0, quality: current, heartbeatMs: opts.heartbeatMs },
    stop() {
      stopped = true;
      unwatch();
      if (pending !== null) timers.clearTimeout(pending);
      if (heartbeat !== null) timers.clearTimeout(heartbeat);
    },
  };
}
