import t from 'tap';
import { isAmbiguous, isLateLabel, labelDelay, type LabelDelay, type LabelDelayInput } from '../../../../src/daemon/core/label-pulse.js';

/** A verdict that must be a delay (not ambiguous, not null). */
const delayOf = (i: LabelDelayInput): number => (labelDelay(i) as LabelDelay).delayS;

const base = { referenceS: null, learned: null, allowLateLabel: false } as const;

t.test('from the phase alone: the first half of the second names the pulse before; the second half is not guessed', async (t) => {
  t.match(labelDelay({ ...base, phaseS: 0.125 }), { delayS: 0.125, names: 'previous-pulse', basis: 'phase' });
  t.match(labelDelay({ ...base, phaseS: 0.002 }), { names: 'previous-pulse' });
  t.match(labelDelay({ ...base, phaseS: 0.499 }), { names: 'previous-pulse', basis: 'phase' });
  // 0.85 s after one pulse is also 0.15 s before the next: either is a whole second from the other.
  for (const phaseS of [0.5, 0.85, 0.998]) t.same(labelDelay({ ...base, phaseS }), { ambiguous: true, phaseS }, `phase ${phaseS}: ambiguous`);
  t.ok(isAmbiguous(labelDelay({ ...base, phaseS: 0.85 })!));
  t.notOk(isAmbiguous(labelDelay({ ...base, phaseS: 0.15 })!));
  t.match(labelDelay({ ...base, phaseS: 0.7, allowLateLabel: true }), { delayS: 0.7, names: 'previous-pulse' }, 'configured: a late label');
  t.equal(labelDelay({ ...base, phaseS: 1.2 }), null);
  t.equal(labelDelay({ ...base, phaseS: -0.1 }), null);
});

t.test('the configured convention settles the second half, and applies to the first half too', async (t) => {
  const early = labelDelay({ ...base, phaseS: 0.85, configured: 'next-pulse' })!;
  t.match(early, { names: 'next-pulse', basis: 'configured' });
  t.ok(Math.abs((early as LabelDelay).delayS + 0.15) < 1e-9, 'a label 0.85 s after one pulse names the next: -0.15 s');
  t.match(labelDelay({ ...base, phaseS: 0.998, configured: 'next-pulse' }), { names: 'next-pulse' }, 'continuous around zero: -2 ms');
  t.match(labelDelay({ ...base, phaseS: 0.3, configured: 'next-pulse' }), { basis: 'configured' }, '-0.7 s: the caller refuses it as late');
  t.match(labelDelay({ ...base, phaseS: 0.6, configured: 'previous-pulse' }), { delayS: 0.6, basis: 'configured' });
  t.match(labelDelay({ ...base, phaseS: 0.85, configured: 'previous-pulse', learned: 'next-pulse' }), { basis: 'learned' }, 'a reference taught otherwise: it wins');
});

t.test('a reference clock fixes the whole second, whatever the phase says', async (t) => {
  // Phase 0.3, but arrival minus label on a synchronised clock is -0.7: the label came 0.7 s before its pulse.
  t.match(labelDelay({ ...base, phaseS: 0.3, referenceS: -0.702 }), { names: 'next-pulse', basis: 'reference' });
  t.ok(Math.abs(delayOf({ ...base, phaseS: 0.3, referenceS: -0.702 }) + 0.7) < 1e-9);
  // Phase 0.85: the phase rule says 0.15 s early, the reference says 0.85 s late.
  t.match(labelDelay({ ...base, phaseS: 0.85, referenceS: 0.851 }), { delayS: 0.85, names: 'previous-pulse', basis: 'reference' });
  // A reference that is no whole second away from the phase (a clock off by 0.4 s) is ignored.
  t.match(labelDelay({ ...base, phaseS: 0.1, referenceS: 0.5 }), { delayS: 0.1, basis: 'phase' });
  // Two seconds away: not a label for either neighbouring pulse.
  t.equal(labelDelay({ ...base, phaseS: 0.1, referenceS: 2.1 }), null);
});

t.test('what a reference taught is kept when it is gone', async (t) => {
  t.match(labelDelay({ ...base, phaseS: 0.2, learned: 'next-pulse' }), { names: 'next-pulse', basis: 'learned' });
  t.ok(Math.abs(delayOf({ ...base, phaseS: 0.2, learned: 'next-pulse' }) + 0.8) < 1e-9);
  t.match(labelDelay({ ...base, phaseS: 0.9, learned: 'previous-pulse' }), { delayS: 0.9, basis: 'learned' });
});

t.test('late labels', async (t) => {
  t.ok(isLateLabel(0.5));
  t.ok(isLateLabel(0.93));
  t.ok(isLateLabel(-0.6));
  t.notOk(isLateLabel(0.49));
  t.notOk(isLateLabel(-0.5));
});
