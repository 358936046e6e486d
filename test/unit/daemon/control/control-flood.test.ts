import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import t from 'tap';
import { ControlServer } from '../../../../src/daemon/control/control-server.js';
import { controlCall } from '../../../../src/daemon/control/control-client.js';
import { createLogger } from '../../../../src/daemon/logger.js';

const log = createLogger({ level: 'error', format: 'json', stream: new PassThrough() });

t.test('20,000 requests in one write: answered in slices; another client is answered meanwhile', async (t) => {
  const path = join(mkdtempSync(join(tmpdir(), 's1d-ctl-')), 'control.sock');
  const server = new ControlServer(path, log);
  let served = 0;
  // A large answer, like `status`: the flood produces megabytes of replies.
  server.handle('big', () => (served++, { pad: 'x'.repeat(4000) }));
  server.handle('ping', () => ({ pong: true }));
  await server.start();
  t.teardown(() => server.stop());

  const flooder = connect(path);
  await new Promise((r) => flooder.once('connect', r));
  let replies = 0;
  let buf = '';
  flooder.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      replies++;
      buf = buf.slice(i + 1);
    }
  });
  const N = 20_000;
  flooder.write(Array.from({ length: N }, (_, i) => JSON.stringify({ id: i, method: 'big' })).join('\n') + '\n');
  while (served < 50) await new Promise((r) => setImmediate(r));
  const pong = await controlCall(path, 'ping', undefined, 30_000);
  const servedAtPong = served;
  t.same(pong, { pong: true });
  t.ok(servedAtPong < N, `ping answered after ${servedAtPong} of ${N} flood requests`);
  while (replies < N) await new Promise((r) => setTimeout(r, 20));
  t.equal(replies, N, 'the flood is answered in full, in the end');
  t.ok(server.stats.deferredTurns > 100, `spread over turns (${server.stats.deferredTurns})`);
  flooder.destroy();
});
