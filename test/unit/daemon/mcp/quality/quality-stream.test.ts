import t from 'tap';
import { ApplianceStore } from '../../../../../src/daemon/core/appliance-state.js';
import { type QualityEvent, streamOptions, watchQuality, type StreamTimers } from '../../../../../src/daemon/mcp/quality-stream.js';
import { populatedStore } from '../server/fixtures.js';

/** Timers on a hand-moved clock: a push happens exactly when the rules say, with no waiting. */
function manualTimers(): StreamTimers & { advance(ms: number): void } {
  let now = 0;
  let next = 1;
  const due = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = next++;
      due.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout(id) {
      due.delete(id as number);
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const first = [...due.entries()].sort((a, b) => a[1].at - b[1].at)[0];
        if (!first || first[1].at > end) break;
        due.delete(first[0]);
        now = first[1].at;
        first[1].fn();
      }
      now = end;
    },
  };
}

function setup(store: ApplianceStore = populatedStore()) {
  const timers = manualTimers();
  const pushed: QualityEvent[] = [];
  const sub = watchQuality(store.snapshot, (l) => store.subscribe((next) => l(next)), (e) => pushed.push(e), { minIntervalMs: 100, heartbeatMs: 1000 }, timers);
  return { store, timers, pushed, sub };
}

t.test('the first answer is the current quality; nothing is pushed while nothing changes, except the heartbeat', async (t) => {
  const { timers, pushed, sub } = setup();
  t.match(sub.first, { seq: 0, heartbeatMs: 1000, quality: { daemon: 'up', synced: true, source: 'PPS' } });
  timers.advance(999);
  t.equal(pushed.length, 0, 'no push before the heartbeat is due');
  timers.advance(1);
  t.equal(pushed.length, 1, 'heartbeat');
  t.match(pushed[0], { seq: 1, quality: { synced: true } });
  timers.advance(3000);
  t.same(pushed.map((e) => e.seq), [1, 2, 3, 4], 'one heartbeat per second');
  sub.stop();
  timers.advance(5000);
  t.equal(pushed.length, 4, 'nothing after stop');
});

t.test('a change is pushed at once, a burst of changes as one push of the latest, at most one per minIntervalMs', async (t) => {
  const { store, timers, pushed, sub } = setup();
  timers.advance(500);
  store.update('timekeeper', { synced: false });
  t.equal(pushed.length, 1, 'pushed at once: the last push was long enough ago');
  t.equal(pushed[0]!.quality.synced, false);
  timers.advance(10);
  store.update('timekeeper', { reachable: false, lastError: 'chronyc: timeout' });
  store.update('timekeeper', { reachable: false, lastError: 'chronyc: refused' });
  t.equal(pushed.length, 1, 'held back: within minIntervalMs of the last push');
  timers.advance(90);
  t.equal(pushed.length, 2, 'sent when the interval is over');
  t.match(pushed[1]!.quality, { synced: null, note: /chronyc: refused/ }, 'the latest state, not the first of the burst');
  store.update('pps', { pulses: 99_999 });
  timers.advance(200);
  t.equal(pushed.length, 2, 'a state change that leaves the quality alone is not pushed');
  sub.stop();
});

t.test('the interval and heartbeat a client asks for are clamped', async (t) => {
  t.same(streamOptions(undefined), { minIntervalMs: 100, heartbeatMs: 1000 });
  t.same(streamOptions({ minIntervalMs: 1, heartbeatMs: 1 }), { minIntervalMs: 50, heartbeatMs: 250 });
  t.same(streamOptions({ minIntervalMs: 'x', heartbeatMs: 1e9 }), { minIntervalMs: 100, heartbeatMs: 10_000 });
});
