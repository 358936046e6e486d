import t from 'tap';
import { Admission } from '../../../../../src/daemon/mcp/http/admission.js';

const turn = () => new Promise((r) => setImmediate(r));

t.test('per key: maxInFlight run, maxWaiting wait, the rest are refused; other keys are untouched', async (t) => {
  const a = new Admission({ maxInFlight: 2, maxWaiting: 1 });
  const started: string[] = [];
  const done = new Map<string, () => void>();
  const job = (name: string) => (d: () => void) => {
    started.push(name);
    done.set(name, d);
  };
  t.ok(a.enter('k', job('a')));
  t.ok(a.enter('k', job('b')));
  t.ok(a.enter('k', job('c')), 'third waits');
  t.notOk(a.enter('k', job('d')), 'fourth refused: the line is full');
  t.ok(a.enter('other', job('x')), 'another key is not held up');
  t.same(started, ['a', 'b', 'x']);
  done.get('a')!();
  t.same(started, ['a', 'b', 'x'], 'the waiting one starts in a later turn, not inside done()');
  await turn();
  t.same(started, ['a', 'b', 'x', 'c']);
  done.get('a')!(); // a second call is ignored
  t.same(a.load('k'), { running: 2, waiting: 0 });
  t.same(a.stats, { admitted: 4, waited: 1, refusedBusy: 1 });
});
