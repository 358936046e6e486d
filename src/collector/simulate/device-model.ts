import { Accumulator } from '../../fleet-wire/aggregate.js';
import type { EventBody, TelemetryBody } from '../../fleet-wire/schema.js';
import { SeededRandom } from './seeded-random.js';

/**
 * One simulated appliance's telemetry: what its recorder would write every interval. The
 * figures are shaped like a Pi with a GNSS receiver and PPS under chrony, varied per device
 * (some sit in a window with a clean sky and a good oscillator, some do not), so a fleet view
 * shows differences worth sorting:
 *
 *   offset        white noise at a per-device level (100 ns … 5 µs), drifting away in holdover
 *   frequency     a per-device base (±20 ppm) plus a random walk and a temperature coefficient
 *   PPS           offset and jitter at a per-device jitter level (30 ns … 2 µs)
 *   satellites    a per-device base (7 … 14) with a daily cycle (the constellation repeats
 *                 roughly daily) and noise; C/N0 likewise around an antenna-dependent level
 *   RTC           a per-device drift and a daily temperature cycle
 *
 * Occasional faults, each with its events: the receiver lost (GNSS gone, holdover with a
 * growing estimate), PPS lost, the system clock stepped an hour back (`at` goes back, the
 * offset reads −3600 s until it is corrected) and a silent period (the appliance records but
 * its network is down, so a backlog builds and is sent later).
 *
 * Time: the model runs on its own seconds (`modelS`), `intervalS` per step. `speedup` K makes
 * a step cover intervalS / K seconds of real time, so a demo shows a day's cycle and the
 * faults of a day in 24 / K hours, while timestamps stay real (the collector trusts neither
 * less nor more).
 */

export type FaultKind = 'receiver-lost' | 'pps-lost' | 'clock-jump' | 'silent';

export interface DeviceProfile {
  offsetNoiseS: number;
  ppsJitterS: number;
  freqBasePpm: number;
  /** Random-walk step of the frequency, ppm per √hour. */
  freqWalkPpm: number;
  tempCoefPpmPerC: number;
  skewPpm: number;
  satBase: number;
  cnoBaseDbHz: number;
  rtcDriftPpm: number;
  tempBaseC: number;
  /** Phase of the daily cycles, fraction of a day. */
  dayPhase: number;
  /** Holdover: how fast the time error estimate grows, seconds per second. */
  holdoverRate: number;
}

export interface ModelOptions {
  /** Model seconds per step (the appliance's fleet.intervalS). */
  intervalS: number;
  speedup: number;
  /** Mean model seconds between faults of one device; Infinity: no faults. */
  meanFaultGapS: number;
  /** Model seconds from which the daily cycles count (the same for every device). */
  startModelS: number;
}

export interface ModelStep {
  /** Appliance clock at the end of the interval (ms): what the record's `at` says. */
  at: number;
  telemetry: TelemetryBody;
  events: Array<{ at: number; body: EventBody }>;
  /** The appliance's network is down this interval: it records but does not upload. */
  silent: boolean;
}

interface ActiveFault {
  kind: FaultKind;
  untilS: number;
}

const DAY_S = 86_400;
const CLOCK_JUMP_MS = -3_600_000;
/** At most this many samples per aggregate: enough for realistic min/max/RMS, cheap for 5,000 devices. */
const MAX_SAMPLES = 60;

const FAULT_WEIGHTS: ReadonlyArray<[FaultKind, number, [number, number]]> = [
  // kind, weight, duration range in model seconds
  ['receiver-lost', 0.35, [300, 3600]],
  ['pps-lost', 0.25, [60, 1200]],
  ['clock-jump', 0.1, [60, 600]],
  ['silent', 0.3, [120, 1800]],
];

export function randomProfile(rng: SeededRandom): DeviceProfile {
  return {
    offsetNoiseS: rng.logUniform(1e-7, 5e-6),
    ppsJitterS: rng.logUniform(3e-8, 2e-6),
    freqBasePpm: rng.uniform(-20, 20),
    freqWalkPpm: rng.logUniform(0.001, 0.02),
    tempCoefPpmPerC: rng.uniform(-0.3, 0.3),
    skewPpm: rng.logUniform(0.002, 0.05),
    satBase: rng.int(7, 14),
    cnoBaseDbHz: rng.uniform(33, 44),
    rtcDriftPpm: rng.uniform(-3, 3),
    tempBaseC: rng.uniform(35, 55),
    dayPhase: rng.next(),
    holdoverRate: rng.logUniform(1e-9, 5e-8),
  };
}

export class DeviceModel {
  readonly profile: DeviceProfile;
  #rng: SeededRandom;
  #opts: ModelOptions;
  #modelS: number;
  #freqWalk = 0;
  #fault: ActiveFault | null = null;
  #nextFaultS: number;
  #holdoverSinceS: number | null = null;
  #holdoverDriftS = 0;
  #started = false;

  constructor(seed: number, opts: ModelOptions) {
    this.#rng = new SeededRandom(seed);
    this.profile = randomProfile(this.#rng);
    this.#opts = opts;
    this.#modelS = opts.startModelS;
    this.#nextFaultS = this.#modelS + this.#rng.exponential(opts.meanFaultGapS);
  }

  get fault(): FaultKind | null {
    return this.#fault?.kind ?? null;
  }

  /** Starts a fault now (tests and demos), ending any other. */
  inject(kind: FaultKind, durationS: number, atRealMs: number): Array<{ at: number; body: EventBody }> {
    const events = this.#fault ? this.#endFault(atRealMs) : [];
    return [...events, ...this.#startFault(kind, durationS, atRealMs)];
  }

  /** One interval ending at real time `realNowMs`. */
  step(realNowMs: number): ModelStep {
    const rng = this.#rng;
    const p = this.profile;
    const o = this.#opts;
    const realIntervalS = o.intervalS / o.speedup;
    const events: ModelStep['events'] = [];
    if (!this.#started) {
      this.#started = true;
      events.push({ at: this.#applianceMs(realNowMs), body: { type: 'daemon-start', message: 'stratum1d started (simulated)' } });
    }
    this.#modelS += o.intervalS;
    if (this.#fault && this.#modelS >= this.#fault.untilS) events.push(...this.#endFault(realNowMs));
    if (!this.#fault && this.#modelS >= this.#nextFaultS) {
      const kind = this.#pickFault();
      const [lo, hi] = FAULT_WEIGHTS.find(([k]) => k === kind)![2];
      events.push(...this.#startFault(kind, rng.uniform(lo, hi), realNowMs));
    }

    const fault = this.#fault?.kind ?? null;
    const receiverUp = fault !== 'receiver-lost';
    const ppsUp = receiverUp && fault !== 'pps-lost';
    const day = 2 * Math.PI * (this.#modelS / DAY_S + p.dayPhase);
    const tempC = p.tempBaseC + 4 * Math.sin(day) + 0.3 * rng.gauss();
    this.#freqWalk += p.freqWalkPpm * Math.sqrt(o.intervalS / 3600) * rng.gauss();
    const freq = p.freqBasePpm + this.#freqWalk + p.tempCoefPpmPerC * (tempC - p.tempBaseC);

    if (!ppsUp) {
      if (this.#holdoverSinceS === null) this.#holdoverSinceS = this.#modelS - o.intervalS;
      this.#holdoverDriftS += p.holdoverRate * o.intervalS * (1 + 0.5 * rng.gauss());
    } else {
      this.#holdoverSinceS = null;
      this.#holdoverDriftS = 0;
    }
    const holdoverS = this.#holdoverSinceS === null ? 0 : this.#modelS - this.#holdoverSinceS;
    const jumpS = fault === 'clock-jump' ? CLOCK_JUMP_MS / 1000 : 0;
    const noise = ppsUp ? p.offsetNoiseS : p.offsetNoiseS * 3;

    const n = Math.max(1, Math.min(MAX_SAMPLES, Math.round(realIntervalS)));
    const offset = new Accumulator();
    const frequency = new Accumulator();
    const skew = new Accumulator();
    const rootDelay = new Accumulator();
    const rootDisp = new Accumulator();
    const ppsOffset = new Accumulator();
    const ppsJitter = new Accumulator();
    const sats = new Accumulator();
    const cno = new Accumulator();
    const satMean = p.satBase + 3 * Math.sin(day * 2 + 1) + (receiverUp ? 0 : -p.satBase);
    const cnoMean = p.cnoBaseDbHz + 2 * Math.sin(day + 0.5);
    for (let i = 0; i < n; i++) {
      offset.add(jumpS + this.#holdoverDriftS + noise * rng.gauss());
      frequency.add(freq + 0.001 * rng.gauss());
      skew.add(Math.abs(p.skewPpm * (ppsUp ? 1 : 5) * (1 + 0.2 * rng.gauss())));
      rootDelay.add(1e-9);
      rootDisp.add(Math.abs(1e-6 + p.offsetNoiseS * (1 + 0.3 * rng.gauss())) + this.#holdoverDriftS);
      if (ppsUp) {
        ppsOffset.add(p.ppsJitterS * rng.gauss());
        ppsJitter.add(Math.abs(p.ppsJitterS * (1 + 0.2 * rng.gauss())));
      }
      if (receiverUp) {
        sats.add(Math.max(4, Math.min(24, Math.round(satMean + 0.7 * rng.gauss()))));
        cno.add(cnoMean + 0.8 * rng.gauss());
      }
    }

    const toMs = this.#applianceMs(realNowMs);
    const telemetry: TelemetryBody = {
      intervalS: realIntervalS,
      fromMs: toMs - realIntervalS * 1000,
      toMs,
      offsetS: offset.result(),
      frequencyPpm: frequency.result(),
      skewPpm: skew.result(),
      rootDelayS: rootDelay.result(),
      rootDispersionS: rootDisp.result(),
      ppsOffsetS: ppsOffset.result(),
      ppsJitterS: ppsJitter.result(),
      stratum: 1,
      leap: 'normal',
      selectedSource: ppsUp ? 'PPS' : null,
      gnss: { mode: receiverUp ? 3 : null, satellitesUsed: sats.result(), cnoDbHz: cno.result() },
      rtc: { driftPpm: p.rtcDriftPpm + 0.01 * rng.gauss(), temperatureC: tempC },
      holdover: ppsUp ? { state: 'locked', estimateS: null } : { state: 'holdover', estimateS: 1e-7 + p.holdoverRate * holdoverS },
    };
    return { at: toMs, telemetry, events, silent: fault === 'silent' };
  }

  #applianceMs(realMs: number): number {
    return realMs + (this.#fault?.kind === 'clock-jump' ? CLOCK_JUMP_MS : 0);
  }

  #pickFault(): FaultKind {
    let r = this.#rng.next() * FAULT_WEIGHTS.reduce((s, [, w]) => s + w, 0);
    for (const [kind, w] of FAULT_WEIGHTS) {
      if ((r -= w) < 0) return kind;
    }
    return FAULT_WEIGHTS[0]![0];
  }

  #startFault(kind: FaultKind, durationS: number, realMs: number): Array<{ at: number; body: EventBody }> {
    this.#fault = { kind, untilS: this.#modelS + durationS };
    const at = this.#applianceMs(realMs);
    switch (kind) {
      case 'receiver-lost':
        return [
          { at, body: { type: 'receiver-lost', message: 'no NMEA from the GNSS receiver' } },
          { at, body: { type: 'alarm-raised', alarm: 'gnss-receiver-missing', severity: 'major', message: 'GNSS receiver lost; in holdover' } },
        ];
      case 'pps-lost':
        return [{ at, body: { type: 'alarm-raised', alarm: 'pps-missing', severity: 'major', message: 'no PPS pulses; in holdover' } }];
      case 'clock-jump':
        return [{ at, body: { type: 'alarm-raised', alarm: 'clock-step', severity: 'critical', message: 'system clock stepped 3600 s back' } }];
      case 'silent':
        return [];
    }
  }

  #endFault(realMs: number): Array<{ at: number; body: EventBody }> {
    const kind = this.#fault!.kind;
    this.#fault = null;
    this.#nextFaultS = this.#modelS + this.#rng.exponential(this.#opts.meanFaultGapS);
    const at = this.#applianceMs(realMs);
    switch (kind) {
      case 'receiver-lost':
        return [
          { at, body: { type: 'receiver-found', message: 'GNSS receiver back' } },
          { at, body: { type: 'alarm-cleared', alarm: 'gnss-receiver-missing', severity: 'major' } },
        ];
      case 'pps-lost':
        return [{ at, body: { type: 'alarm-cleared', alarm: 'pps-missing', severity: 'major' } }];
      case 'clock-jump':
        return [{ at, body: { type: 'alarm-cleared', alarm: 'clock-step', severity: 'critical', message: 'system clock corrected' } }];
      case 'silent':
        return [];
    }
  }
}
