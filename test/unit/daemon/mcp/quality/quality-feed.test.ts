import t from 'tap';
import type { ControlStreamHandlers } from '../../../../../src/daemon/control/control-client.js';
import { QualityFeed } from '../../../../../src/daemon/mcp/quality-feed.js';
import type { TimeQuality } from '../../../../../src/daemon/mcp/tools/quality.js';

const q = (note: string, synced: boolean | null = true): TimeQuality => ({ daemon: 'up', synced, timekeeper: 'chrony', source: 'PPS', stratum: 1, estimatedErrorS: 1e-6, leap: 'normal', note });

/** A stream whose daemon side the test plays by hand, and a clock it moves. */
function setup(opts: { retryMs?: number } = {}) {
  let now = 1000;
  const opened: Array<{ method: string; params: unknown; h: ControlStreamHandlers; closed: boolean }> = [];
  const feed = new QualityFeed('/nonexistent/control.sock', {
    now: () => now,
    retryMs: opts.retryMs ?? 1000,
    firstWaitMs: 50,
    stream: (_path, method, params, h) => {
      const s = { method, params, h, closed: false };
      opened.push(s);
      return {
        close: () => {
          if (s.closed) return;
          s.closed = true;
          h.onClose('closed');
        },
      };
    },
  });
  return { feed, opened, advance: (ms: number) => (now += ms), last: () => opened[opened.length - 1]! };
}

t.test('serves the pushed snapshot while fresh, the newest one after a push', async (t) => {
  const { feed, opened, advance, last } = setup();
  feed.start();
  t.equal(opened.length, 1);
  t.equal(last().method, 'mcp.watchQuality');
  t.equal(feed.current(), null, 'nothing before the first answer');
  last().h.onResult({ seq: 0, quality: q('first'), heartbeatMs: 1000 });
  t.equal(feed.current()?.note, 'first');
  advance(900);
  last().h.onEvent({ seq: 1, quality: q('second', false), heartbeatMs: 1000 });
  t.equal(feed.current()?.note, 'second');
  t.equal(feed.current()?.synced, false);
  t.equal(opened.length, 1, 'one subscription, however many calls');
  feed.close();
});

t.test('a daemon that stops pushing (2.5 heartbeats) is stale: current() says null, never the old snapshot', async (t) => {
  const { feed, advance, last } = setup();
  feed.start();
  last().h.onResult({ seq: 0, quality: q('old'), heartbeatMs: 1000 });
  advance(2500);
  t.equal(feed.current()?.note, 'old', 'still within the bound');
  advance(1);
  t.equal(feed.current(), null, 'past the bound');
  last().h.onEvent({ seq: 1, quality: q('late but new'), heartbeatMs: 1000 });
  t.equal(feed.current()?.note, 'late but new', 'fresh again with the next push');
  feed.close();
});

t.test('a dropped subscription is forgotten at once and reopened on a later use, at most once per retryMs', async (t) => {
  const { feed, opened, advance, last } = setup({ retryMs: 1000 });
  feed.start();
  last().h.onResult({ seq: 0, quality: q('before the drop'), heartbeatMs: 1000 });
  last().h.onClose('the daemon closed the connection');
  t.equal(feed.current(), null, 'the last snapshot is not served after the drop');
  t.equal(feed.stats.lastDrop, 'the daemon closed the connection');
  t.equal(opened.length, 1, 'not reopened within retryMs of the last attempt');
  advance(1000);
  t.equal(feed.current(), null);
  t.equal(opened.length, 2, 'reopened');
  last().h.onResult({ seq: 0, quality: q('after'), heartbeatMs: 1000 });
  t.equal(feed.current()?.note, 'after');
  feed.close();
});

t.test('wait(): a subscription being opened is waited for; an older daemon without the method means round trips for good', async (t) => {
  const { feed, opened, advance, last } = setup();
  feed.start();
  const waiting = feed.wait();
  last().h.onResult({ seq: 0, quality: q('first'), heartbeatMs: 1000 });
  t.equal((await waiting)?.note, 'first');
  last().h.onClose('unknown_method: unknown method "mcp.watchQuality"');
  advance(10_000);
  t.equal(await feed.wait(), null);
  t.equal(opened.length, 1, 'never reopened');
  feed.close();
});
