import t, { type Test } from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { ControlServer } from '../../../../src/daemon/control/control-server.js';
import { controlStream } from '../../../../src/daemon/control/control-client.js';
import { createLogger } from '../../../../src/daemon/logger.js';

const log = createLogger({ level: 'error', format: 'json', stream: new PassThrough() });

/** A stream method whose pushes the test triggers, and the server it runs in. */
async function started(t: Test) {
  const path = join(mkdtempSync(join(tmpdir(), 's1d-ctl-')), 'control.sock');
  const server = new ControlServer(path, log);
  const pushers: Array<(e: unknown) => void> = [];
  let stopped = 0;
  server.stream('counter.watch', (params, _peer, push) => {
    pushers.push(push);
    return { first: { hello: params }, stop: () => stopped++ };
  });
  await server.start();
  t.teardown(() => server.stop());
  return { path, server, pushers, stopped: () => stopped };
}

function until(ok: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const tick = () => (ok() ? resolve() : setTimeout(tick, 5));
    tick();
  });
}

t.test('a stream answers, then pushes on the same connection until the client hangs up', async (t) => {
  const { path, server, pushers, stopped } = await started(t);
  const got: unknown[] = [];
  let closed: string | null = null;
  const sub = controlStream(path, 'counter.watch', { n: 1 }, { onResult: (r) => got.push(['result', r]), onEvent: (e) => got.push(['event', e]), onClose: (r) => (closed = r) });
  await until(() => got.length === 1);
  t.same(got[0], ['result', { hello: { n: 1 } }]);
  t.equal(server.stats.streams, 1);
  pushers[0]!({ v: 1 });
  pushers[0]!({ v: 2 });
  await until(() => got.length === 3);
  t.same(got.slice(1), [['event', { v: 1 }], ['event', { v: 2 }]]);
  t.equal(server.stats.byMethod['counter.watch'], 1, 'one request, however many pushes');
  t.equal(server.stats.streamEvents, 2);
  sub.close();
  t.equal(closed, 'closed');
  await until(() => stopped() === 1);
  t.equal(server.stats.streams, 0, 'the daemon side stopped with the connection');
});

t.test('the daemon going away ends the stream on the client', async (t) => {
  const { path, server } = await started(t);
  let closed: string | null = null;
  let answered = false;
  controlStream(path, 'counter.watch', {}, { onResult: () => (answered = true), onEvent: () => undefined, onClose: (r) => (closed = r) });
  await until(() => answered);
  await server.stop();
  await until(() => closed !== null);
  t.match(closed, /closed the connection|cannot reach/);
});

t.test('an unknown stream method is refused and the client told', async (t) => {
  const { path } = await started(t);
  let closed: string | null = null;
  controlStream(path, 'nope.watch', {}, { onResult: () => t.fail('no answer expected'), onEvent: () => undefined, onClose: (r) => (closed = r) });
  await until(() => closed !== null);
  t.match(closed, /^unknown_method/);
});
