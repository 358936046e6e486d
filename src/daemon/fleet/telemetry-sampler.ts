import { Accumulator } from '../../fleet-wire/aggregate.js';
import type { EventBody, TelemetryBody } from '../../fleet-wire/schema.js';
import type { ApplianceState } from '../core/appliance-state.js';

/**
 * Telemetry from ApplianceState snapshots, as pure as the core: snapshots in, record bodies
 * and events out; no clock, no timer, no I/O (the recorder owns those), so tests use plain
 * values.
 *
 * A quantity is sampled when the section it comes from is replaced (the store replaces a
 * section object on every update), not on every state change: the GNSS section changes with
 * every sentence at up to 10 Hz, and re-sampling an unchanged chronyc reading each time would
 * weight the aggregates by how chatty the receiver is. An interval in which a live source
 * published nothing (chronyc is polled every `timekeeper.statusIntervalS`) gets its latest
 * value once, so the record says what is known rather than null.
 */

interface Accs {
  offsetS: Accumulator;
  frequencyPpm: Accumulator;
  skewPpm: Accumulator;
  rootDelayS: Accumulator;
  rootDispersionS: Accumulator;
  ppsOffsetS: Accumulator;
  ppsJitterS: Accumulator;
  satellitesUsed: Accumulator;
  cnoDbHz: Accumulator;
}

export interface IntervalWindow {
  /** Appliance clock (ms since the epoch) at the start and end of the interval: reported, never used to order. */
  fromMs: number;
  toMs: number;
  /** The interval's length measured on a monotonic clock, seconds (a clock step does not distort it). */
  intervalS: number;
}

export class TelemetrySampler {
  readonly #a: Accs = {
    offsetS: new Accumulator(),
    frequencyPpm: new Accumulator(),
    skewPpm: new Accumulator(),
    rootDelayS: new Accumulator(),
    rootDispersionS: new Accumulator(),
    ppsOffsetS: new Accumulator(),
    ppsJitterS: new Accumulator(),
    satellitesUsed: new Accumulator(),
    cnoDbHz: new Accumulator(),
  };

  /** Takes the samples a state change carries; `prev` absent: everything in `next` is new. */
  observe(next: ApplianceState, prev?: ApplianceState): void {
    if (next.timekeeper.tracking !== prev?.timekeeper.tracking && liveTracking(next)) this.#addTracking(next);
    if (next.pps.health !== prev?.pps.health && livePps(next)) this.#addPps(next);
    if (next.gnss.sky !== prev?.gnss.sky && next.gnss.link === 'open') this.#addSky(next);
  }

  #addTracking(s: ApplianceState): void {
    const t = s.timekeeper.tracking;
    if (!t) return;
    this.#a.offsetS.add(t.systemOffsetS);
    this.#a.frequencyPpm.add(t.frequencyPpm);
    this.#a.skewPpm.add(t.skewPpm);
    this.#a.rootDelayS.add(t.rootDelayS);
    this.#a.rootDispersionS.add(t.rootDispersionS);
  }

  #addPps(s: ApplianceState): void {
    const o = s.pps.health?.offset;
    if (!o) return;
    this.#a.ppsOffsetS.add(o.lastNs / 1e9);
    this.#a.ppsJitterS.add(o.jitterNs / 1e9);
  }

  #addSky(s: ApplianceState): void {
    const sky = s.gnss.sky;
    if (!sky) return;
    this.#a.satellitesUsed.add(sky.uSat);
    this.#a.cnoDbHz.add(meanCno(s));
  }

  /** The record body for the interval that ends now, and a fresh start for the next one. */
  finish(s: ApplianceState, w: IntervalWindow): TelemetryBody {
    // A live source that published nothing new this interval still has a current value.
    if (this.#a.offsetS.count === 0 && this.#a.frequencyPpm.count === 0 && liveTracking(s)) this.#addTracking(s);
    if (this.#a.ppsOffsetS.count === 0 && livePps(s)) this.#addPps(s);
    if (this.#a.satellitesUsed.count === 0 && this.#a.cnoDbHz.count === 0 && s.gnss.link === 'open') this.#addSky(s);
    const a = this.#a;
    const t = liveTracking(s) ? s.timekeeper.tracking : null;
    const selected = s.timekeeper.sources.find((src) => src.state === 'selected')?.name ?? t?.refName ?? t?.refId ?? null;
    const body: TelemetryBody = {
      intervalS: w.intervalS > 0 ? w.intervalS : 0.001,
      fromMs: w.fromMs,
      toMs: w.toMs,
      offsetS: a.offsetS.result(),
      frequencyPpm: a.frequencyPpm.result(),
      skewPpm: a.skewPpm.result(),
      rootDelayS: a.rootDelayS.result(),
      rootDispersionS: a.rootDispersionS.result(),
      ppsOffsetS: a.ppsOffsetS.result(),
      ppsJitterS: a.ppsJitterS.result(),
      stratum: t?.stratum !== null && t?.stratum !== undefined && t.stratum >= 0 && t.stratum <= 16 ? Math.round(t.stratum) : null,
      leap: t?.leap ?? null,
      selectedSource: selected === null ? null : selected.slice(0, 64),
      gnss: {
        mode: s.gnss.link === 'open' ? (s.gnss.fix?.mode ?? null) : null,
        satellitesUsed: a.satellitesUsed.result(),
        cnoDbHz: a.cnoDbHz.result(),
      },
      rtc: {
        driftPpm: finiteOrNull(s.rtc.drift?.ppm),
        temperatureC: finiteOrNull(s.rtc.temperatureC),
      },
      holdover: {
        state: s.holdover.state,
        estimateS: finiteOrNull(s.holdover.estimatedErrorS),
      },
    };
    for (const acc of Object.values(a)) acc.reset();
    return body;
  }
}

/** chronyc's tracking is only current while the last query worked. */
function liveTracking(s: ApplianceState): boolean {
  return s.timekeeper.kind !== 'none' && s.timekeeper.reachable && s.timekeeper.tracking !== null;
}

function livePps(s: ApplianceState): boolean {
  return s.pps.link === 'open' && s.pps.health?.offset != null;
}

/** Mean C/N0 of the satellites used in the solution, dB-Hz; null when none reports one. */
function meanCno(s: ApplianceState): number | null {
  const ss = (s.gnss.sky?.satellites ?? []).filter((v) => v.used && v.ss !== null).map((v) => v.ss as number);
  return ss.length ? ss.reduce((x, y) => x + y, 0) / ss.length : null;
}

function finiteOrNull(v: number | null | undefined): number | null {
  return v !== null && v !== undefined && Number.isFinite(v) ? v : null;
}

/**
 * Events a state change carries: alarms raised and cleared (by id, with severity) and the
 * receiver lost or found (the GNSS link leaving or reaching `open`). Config changes and daemon
 * start/stop are not visible in the state; the recorder is told of them.
 */
export function eventsFromChange(next: ApplianceState, prev: ApplianceState): EventBody[] {
  const out: EventBody[] = [];
  if (next.alarms.active !== prev.alarms.active) {
    const before = new Map(prev.alarms.active.map((a) => [a.id, a]));
    const after = new Map(next.alarms.active.map((a) => [a.id, a]));
    for (const [id, a] of after) {
      if (!before.has(id)) out.push({ type: 'alarm-raised', alarm: id.slice(0, 64), severity: a.severity, message: a.message.slice(0, 1024) });
    }
    for (const [id, a] of before) {
      if (!after.has(id)) out.push({ type: 'alarm-cleared', alarm: id.slice(0, 64), severity: a.severity, message: a.message.slice(0, 1024) });
    }
  }
  const wasOpen = prev.gnss.link === 'open';
  const isOpen = next.gnss.link === 'open';
  if (wasOpen && !isOpen) out.push({ type: 'receiver-lost', message: `GNSS receiver ${next.gnss.device} ${next.gnss.lastError ? `lost (${next.gnss.lastError})` : 'lost'}`.slice(0, 1024) });
  if (!wasOpen && isOpen) out.push({ type: 'receiver-found', message: `GNSS receiver ${next.gnss.device} open`.slice(0, 1024) });
  return out;
}
