import { EventEmitter } from 'node:events';
import t from 'tap';
import { TurnBudget } from '../../../src/lib/turn-budget.js';

class FakeSocket extends EventEmitter {
  writableLength = 0;
  destroyed = false;
  paused = 0;
  resumed = 0;
  pause() {
    this.paused++;
  }
  resume() {
    this.resumed++;
  }
}

const turn = () => new Promise((r) => setImmediate(r));

t.test('a flood is handled a slice per event-loop turn, and reading pauses until it is done', async (t) => {
  const s = new FakeSocket();
  const handled: number[] = [];
  const b = new TurnBudget<number>(s, (x) => handled.push(x), { perTurn: 10, maxQueued: 50, maxOutputBytes: 1000 });
  b.push(Array.from({ length: 100 }, (_, i) => i));
  t.equal(handled.length, 10, 'only one slice synchronously');
  t.equal(s.paused, 1, 'too much queued: the socket is paused');
  let turns = 0;
  while (b.pending > 0 && turns < 50) {
    await turn();
    turns++;
  }
  t.same(handled, Array.from({ length: 100 }, (_, i) => i), 'all handled, in order');
  t.ok(turns >= 9, `spread over ${turns} turns`);
  t.equal(s.resumed, 1, 'reading resumes once the queue is empty');
  t.equal(b.stats.deferredTurns, 9);
});

t.test('a client that does not read its replies waits; nothing more is encoded for it', async (t) => {
  const s = new FakeSocket();
  let handled = 0;
  const b = new TurnBudget<number>(s, () => {
    handled++;
    s.writableLength += 400; // each answer queues 400 bytes
  }, { perTurn: 100, maxQueued: 1000, maxOutputBytes: 1000 });
  b.push(Array.from({ length: 20 }, (_, i) => i));
  t.equal(handled, 3, 'stops once more than 1000 bytes wait to be read');
  await turn();
  await turn();
  t.equal(handled, 3, 'still waiting');
  s.writableLength = 0;
  s.emit('drain');
  t.equal(handled, 6);
  t.equal(b.stats.outputWaits, 2);
});
