import { connect } from 'node:net';
import t from 'tap';
import { startHttpServer } from '../../../../src/daemon/http/http-server.js';
import { configSchema } from '../../../../src/config/schema.js';
import { parseHttpListen } from '../../../../src/config/sections/http.js';

/** One raw HTTP/1.1 exchange; resolves with what the server sent before closing. */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let out = '';
    s.setEncoding('utf8').on('data', (d: string) => (out += d));
    s.on('error', reject);
    s.on('close', () => resolve(out));
    s.write(request);
  });
}

t.test('GET and HEAD on a route; 404 elsewhere; 405 for other methods without reading a body', async (t) => {
  let calls = 0;
  const ep = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    routes: {
      '/x': async () => {
        calls++;
        return { status: 200, contentType: 'text/plain', body: 'hello\n' };
      },
      '/boom': async () => {
        throw new Error('bug');
      },
    },
  });
  t.teardown(() => ep.stop());
  const base = ep.address.url;
  let r = await fetch(`${base}/x?debug=1`);
  t.equal(r.status, 200);
  t.equal(await r.text(), 'hello\n');
  r = await fetch(`${base}/x`, { method: 'HEAD' });
  t.equal(r.status, 200);
  t.equal(r.headers.get('content-length'), '6');
  t.equal(await r.text(), '');
  r = await fetch(`${base}/nope`);
  t.equal(r.status, 404);
  await r.text();
  r = await fetch(`${base}/boom`);
  t.equal(r.status, 500, 'a failing route answers 500 and the server lives on');
  await r.text();
  // A POST announcing a large body that never comes: answered at once and closed.
  const reply = await raw(ep.address.port, 'POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n\r\npartial');
  t.match(reply, /^HTTP\/1\.1 405 /);
  t.match(reply, /allow: GET, HEAD/i);
  t.equal(calls, 2, 'the route ran for GET and HEAD only');
  t.same(ep.stats().requests, { '/x': 3, other: 1, '/boom': 1 });
});

t.test('connections beyond the bound are closed at once', async (t) => {
  const ep = await startHttpServer({ host: '127.0.0.1', port: 0, maxConnections: 2, routes: { '/x': async () => ({ status: 200, contentType: 'text/plain', body: 'ok' }) } });
  t.teardown(() => ep.stop());
  const held = [connect(ep.address.port, '127.0.0.1'), connect(ep.address.port, '127.0.0.1')];
  await Promise.all(held.map((s) => new Promise((r) => s.once('connect', r))));
  // Wait until the server has registered both (its 'connection' event runs after our connect).
  for (let i = 0; i < 100 && ep.stats().open < 2; i++) await new Promise((r) => setTimeout(r, 10));
  t.equal(ep.stats().open, 2);
  const reply = await raw(ep.address.port, 'GET /x HTTP/1.1\r\nHost: a\r\n\r\n');
  t.equal(reply, '', 'the third connection got nothing and was closed');
  t.equal(ep.stats().refusedConnections, 1);
  for (const s of held) s.destroy();
});

t.test('a port in use is a startup error', async (t) => {
  const a = await startHttpServer({ host: '127.0.0.1', port: 0, routes: {} });
  t.teardown(() => a.stop());
  await t.rejects(startHttpServer({ host: '127.0.0.1', port: a.address.port, routes: {} }), /EADDRINUSE/);
});

t.test('http.listen: HOST:PORT, [IPv6]:PORT or off; bad values name the key', async (t) => {
  t.same(parseHttpListen('127.0.0.1:8471'), { host: '127.0.0.1', port: 8471 });
  t.same(parseHttpListen('[::1]:8471'), { host: '::1', port: 8471 });
  t.same(parseHttpListen('localhost:9'), { host: 'localhost', port: 9 });
  t.equal(parseHttpListen('off'), null);
  for (const bad of ['8471', '::1:8471', '[127.0.0.1]:80', '1.2.3.4:70000', '999.1.1.1:80', 'a b:80', '127.0.0.1:', '']) {
    t.type(parseHttpListen(bad), 'string', `${JSON.stringify(bad)} refused`);
  }
  t.equal(configSchema.parse({}).http.listen, '127.0.0.1:8471', 'loopback by default');
  const r = configSchema.safeParse({ http: { listen: '0.0.0.0' } });
  t.notOk(r.success);
  t.same(r.error?.issues[0]?.path, ['http', 'listen']);
  t.notOk(configSchema.safeParse({ http: { listen: '127.0.0.1:1', port: 3 } }).success, 'strict: unknown keys refused');
});
