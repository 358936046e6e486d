import t from 'tap';
import { holdoverError, initialHoldoverMemory, stepHoldover, type HoldoverMemory } from '../../../../src/daemon/core/holdover.js';
import type { TimekeeperTracking } from '../../../../src/daemon/core/timekeeper-types.js';

const tracking = (over: Partial<TimekeeperTracking> = {}): TimekeeperTracking => ({
  refId: 'PPS', refName: null, stratum: 1, systemOffsetS: 2e-6, rootDelayS: 0, rootDispersionS: 8e-6, frequencyPpm: -12, skewPpm: 0.01, leap: 'normal', ...over,
});
const cfg = { budgetS: 0.001, minWanderPpmPerHour: 0.05, historyS: 7200 };

t.test('never locked: unlocked, no estimate', async (t) => {
  const { status } = stepHoldover(initialHoldoverMemory, { nowMs: 0, referenceOk: false, synced: null, tracking: null }, cfg);
  t.equal(status.state, 'unlocked');
  t.equal(status.estimatedErrorS, null);
});

t.test('locked then lost: error grows as x0 + skew·t + ½·D·t², alarm when over budget', async (t) => {
  let mem: HoldoverMemory = initialHoldoverMemory;
  // Frequency wandering by 0.2 ppm/h while locked.
  for (let s = 0; s <= 3600; s += 60) {
    mem = stepHoldover(mem, { nowMs: s * 1000, referenceOk: true, synced: true, tracking: tracking({ frequencyPpm: -12 + (0.2 * s) / 3600 }) }, cfg).memory;
  }
  const lostAt = 3600_000;
  let r = stepHoldover(mem, { nowMs: lostAt, referenceOk: false, synced: true, tracking: tracking({ skewPpm: 0.005 }) }, cfg);
  t.equal(r.status.state, 'holdover');
  t.equal(r.status.since, lostAt);
  t.ok(Math.abs(r.status.wanderPpmPerHour! - 0.2) < 1e-6, 'D fitted from the frequency history');
  t.equal(r.status.skewPpm, 0.01, 'the worse of last-locked and current skew');
  t.ok(Math.abs(r.status.estimatedErrorS! - 10e-6) < 1e-12, 'x0 = |offset| + dispersion');
  const after = (s: number) => stepHoldover(r.memory, { nowMs: lostAt + s * 1000, referenceOk: false, synced: false, tracking: null }, cfg).status;
  const e1h = after(3600).estimatedErrorS!;
  const expected = 10e-6 + 0.01e-6 * 3600 + 0.5 * (0.2e-6 / 3600) * 3600 * 3600;
  t.ok(Math.abs(e1h - expected) < 1e-12, `1 h: ${e1h}`);
  t.ok(after(7200).estimatedErrorS! > 2 * e1h, 'grows faster than linearly');
  t.equal(after(3600).overBudget, false);
  const over = after(12_000);
  t.equal(over.overBudget, true, `${over.estimatedErrorS} > 1 ms`);
  r = stepHoldover(r.memory, { nowMs: lostAt + 20_000_000, referenceOk: true, synced: true, tracking: tracking() }, cfg);
  t.equal(r.status.state, 'locked');
  t.equal(r.status.overBudget, false);
});

t.test('the wander floor applies to a perfectly steady frequency', async (t) => {
  t.equal(holdoverError({ x0S: 0, skewPpm: 0, wanderPpmPerHour: 0.05 }, 3600), 0.5 * (0.05e-6 / 3600) * 3600 * 3600);
  let mem: HoldoverMemory = initialHoldoverMemory;
  for (let s = 0; s < 600; s += 60) mem = stepHoldover(mem, { nowMs: s * 1000, referenceOk: true, synced: true, tracking: tracking() }, cfg).memory;
  const r = stepHoldover(mem, { nowMs: 600_000, referenceOk: false, synced: null, tracking: null }, cfg);
  t.equal(r.status.wanderPpmPerHour, 0.05);
});
