import t from 'tap';
import { isLateLabel, labelDelay } from '../../../../src/daemon/core/label-pulse.js';

const base = { referenceS: null, learned: null, allowLateLabel: false } as const;

t.test('from the phase alone: first half names the pulse before, second half the pulse after', async (t) => {
  t.match(labelDelay({ ...base, phaseS: 0.125 }), { delayS: 0.125, names: 'previous-pulse', basis: 'phase' });
  const early = labelDelay({ ...base, phaseS: 0.85 })!;
  t.equal(early.names, 'next-pulse');
  t.ok(Math.abs(early.delayS + 0.15) < 1e-9, 'a label 0.85 s after one pulse is 0.15 s before the next: -0.15 s, not 0.85 s');
  t.match(labelDelay({ ...base, phaseS: 0.998 }), { names: 'next-pulse' }, 'continuous around zero: -2 ms');
  t.match(labelDelay({ ...base, phaseS: 0.002 }), { names: 'previous-pulse' });
  t.match(labelDelay({ ...base, phaseS: 0.7, allowLateLabel: true }), { delayS: 0.7, names: 'previous-pulse' }, 'configured: a late label');
  t.equal(labelDelay({ ...base, phaseS: 1.2 }), null);
  t.equal(labelDelay({ ...base, phaseS: -0.1 }), null);
});

t.test('a reference clock fixes the whole second, whatever the phase says', async (t) => {
  // Phase 0.3, but arrival minus label on a synchronised clock is -0.7: the label came 0.7 s before its pulse.
  t.match(labelDelay({ ...base, phaseS: 0.3, referenceS: -0.702 }), { names: 'next-pulse', basis: 'reference' });
  t.ok(Math.abs(labelDelay({ ...base, phaseS: 0.3, referenceS: -0.702 })!.delayS + 0.7) < 1e-9);
  // Phase 0.85: the phase rule says 0.15 s early, the reference says 0.85 s late.
  t.match(labelDelay({ ...base, phaseS: 0.85, referenceS: 0.851 }), { delayS: 0.85, names: 'previous-pulse', basis: 'reference' });
  // A reference that is no whole second away from the phase (a clock off by 0.4 s) is ignored.
  t.match(labelDelay({ ...base, phaseS: 0.1, referenceS: 0.5 }), { delayS: 0.1, basis: 'phase' });
  // Two seconds away: not a label for either neighbouring pulse.
  t.equal(labelDelay({ ...base, phaseS: 0.1, referenceS: 2.1 }), null);
});

t.test('what a reference taught is kept when it is gone', async (t) => {
  t.match(labelDelay({ ...base, phaseS: 0.2, learned: 'next-pulse' }), { names: 'next-pulse', basis: 'learned' });
  t.ok(Math.abs(labelDelay({ ...base, phaseS: 0.2, learned: 'next-pulse' })!.delayS + 0.8) < 1e-9);
  t.match(labelDelay({ ...base, phaseS: 0.9, learned: 'previous-pulse' }), { delayS: 0.9, basis: 'learned' });
});

t.test('late labels', async (t) => {
  t.ok(isLateLabel(0.5));
  t.ok(isLateLabel(0.93));
  t.ok(isLateLabel(-0.6));
  t.notOk(isLateLabel(0.49));
  t.notOk(isLateLabel(-0.5));
});
