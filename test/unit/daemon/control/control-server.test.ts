import t, { type Test } from 'tap';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlServer } from '../../../../src/daemon/control/control-server.js';
import { controlCall, ControlUnavailable } from '../../../../src/daemon/control/control-client.js';
import { createLogger } from '../../../../src/daemon/logger.js';
import { PassThrough } from 'node:stream';

const log = createLogger({ level: 'error', format: 'json', stream: new PassThrough() });

async function started(t: Test): Promise<ControlServer> {
  const path = join(mkdtempSync(join(tmpdir(), 's1d-ctl-')), 'control.sock');
  const server = new ControlServer(path, log);
  server.handle('echo', (p) => ({ echoed: p }));
  server.handle('boom', () => {
    throw new Error('handler failed');
  });
  await server.start();
  t.teardown(() => server.stop());
  return server;
}

/** Sends raw bytes and collects response lines until `count` arrived. */
function raw(path: string, text: string, count: number): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    let buf = '';
    s.setEncoding('utf8');
    s.on('connect', () => s.write(text));
    s.on('error', reject);
    s.on('data', (c: string) => {
      buf += c;
      const lines = buf.split('\n').filter(Boolean);
      if (lines.length >= count) {
        s.destroy();
        resolve(lines.map((l) => JSON.parse(l)));
      }
    });
  });
}

t.test('answers a request and reports the method list on unknown methods', async (t) => {
  const s = await started(t);
  t.same(await controlCall(s.path, 'echo', { a: 1 }), { echoed: { a: 1 } });
  await t.rejects(controlCall(s.path, 'nope'), /unknown_method: unknown method "nope" \(known: echo, boom\)/);
  await t.rejects(controlCall(s.path, 'boom'), /failed: handler failed/);
});

t.test('garbage gets an error reply, is counted, and the connection keeps working', async (t) => {
  const s = await started(t);
  const replies = (await raw(s.path, 'not json\n[1]\n{"method":"echo"}\n{"id":7}\n{"id":8,"method":"echo","params":2}\n', 5)) as Array<Record<string, unknown>>;
  t.same(replies.map((r) => (r.error as { code?: string } | undefined)?.code ?? 'ok'), ['bad_request', 'bad_request', 'bad_request', 'bad_request', 'ok']);
  t.same(replies[4], { id: 8, result: { echoed: 2 } });
  t.equal(s.stats.badRequests, 4);
});

t.test('an overlong request is refused without growing memory', async (t) => {
  const s = await started(t);
  const replies = (await raw(s.path, 'x'.repeat(70 * 1024), 1)) as Array<{ error: { code: string } }>;
  t.equal(replies[0]!.error.code, 'too_large');
});

t.test('a second server on the same path fails fast; a stale socket file is replaced', async (t) => {
  const s = await started(t);
  const second = new ControlServer(s.path, log);
  await t.rejects(second.start(), /already running/);
  await s.stop();
  // the path is free again (stop unlinks); a new server starts
  const third = new ControlServer(s.path, log);
  await third.start();
  t.same(await controlCall(third.path, 'ping').catch((e: Error) => e.message), 'unknown_method: unknown method "ping" (known: )');
  await third.stop();
});

t.test('the client says clearly when no daemon answers', async (t) => {
  const err = await controlCall('/nonexistent/stratum1d.sock', 'status').catch((e: unknown) => e);
  t.ok(err instanceof ControlUnavailable, 'a ControlUnavailable, so the CLI can exit 69');
  await t.rejects(controlCall('/nonexistent/stratum1d.sock', 'status'), /is stratum1d running\?/);
});
