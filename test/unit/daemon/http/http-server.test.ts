import { connect, type Socket } from 'node:net';
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

const ok = async () => ({ status: 200, contentType: 'text/plain', body: 'ok\n' });

/** A server on a free loopback port whose one route, /x, counts its calls; stopped at teardown. */
async function countingServer(t: { teardown(fn: () => unknown): void }, options: Partial<Parameters<typeof startHttpServer>[0]> = {}) {
  let calls = 0;
  const ep = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    ...options,
    routes: {
      '/x': async () => {
        calls++;
        return ok();
      },
    },
  });
  t.teardown(() => ep.stop());
  return { ep, calls: () => calls };
}
const statuses = (text: string): string[] => text.match(/^HTTP\/1\.1 \d{3}/gm) ?? [];

/** Resolves once `s` closes, or rejects after a generous deadline (the server never closed it). */
function closed(s: Socket, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (s.destroyed) return resolve();
    const timer = setTimeout(() => reject(new Error(`${what}: the server did not close the connection within 30 s`)), 30_000);
    s.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function open(port: number): Socket & { text: () => string } {
  const s = connect(port, '127.0.0.1');
  let out = '';
  s.setEncoding('utf8').on('data', (d: string) => (out += d));
  s.on('error', () => undefined);
  return Object.assign(s, { text: () => out });
}

t.test('pipelined requests reach the routes one per event-loop turn; the connection is closed after maxRequestsPerConnection answers', async (t) => {
  // A counter that advances once per turn: two route calls in one turn would share a value.
  let turn = 0;
  let ticking = true;
  const tick = (): void => {
    turn++;
    if (ticking) setImmediate(tick);
  };
  tick();
  t.teardown(() => void (ticking = false));
  const seen: number[] = [];
  const ep = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    maxRequestsPerConnection: 50,
    routes: {
      '/x': async () => {
        seen.push(turn);
        return { status: 200, contentType: 'text/plain', body: 'ok\n' };
      },
    },
  });
  t.teardown(() => ep.stop());
  const s = open(ep.address.port);
  s.write('GET /x HTTP/1.1\r\nHost: a\r\n\r\n'.repeat(300));
  await closed(s, 'after 50 answers');
  const answers = statuses(s.text());
  t.equal(answers.length, 50, 'exactly maxRequestsPerConnection answers, then the connection is closed');
  t.ok(answers.every((a) => a === 'HTTP/1.1 200'));
  const lastHead = s.text().slice(s.text().lastIndexOf('HTTP/1.1 200'));
  t.match(lastHead, /connection: close/i, 'the last answer says so');
  t.notMatch(s.text().slice(0, s.text().indexOf('\r\n\r\n')), /connection: close/i, 'the first does not');
  t.equal(seen.length, 50, 'the route ran once per answer, never for the requests after the last');
  t.ok(
    seen.every((v, i) => i === 0 || v > seen[i - 1]!),
    `each pipelined request reached the route in a later turn than the one before (turns ${seen.slice(0, 8).join(', ')}, …)`,
  );
  const st = ep.stats();
  t.equal(st.recycled, 1);
  t.ok(st.gate.held > 0, `the gate held pipelined requests back (${st.gate.held})`);
});

t.test('a head trickled in on a kept-alive connection is cut with 408; an idle one is closed quietly', async (t) => {
  const { ep, calls } = await countingServer(t, { headersTimeoutMs: 1000, requestTimeoutMs: 2000 });
  // One complete request and the start of the next in one write: the gate holds the start.
  const slow = open(ep.address.port);
  slow.write('GET /x HTTP/1.1\r\nHost: a\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n');
  let n = 0;
  const trickle = setInterval(() => slow.writable && slow.write(`X-${n++}: y\r\n`), 200);
  t.teardown(() => clearInterval(trickle));
  await closed(slow, 'the slow head');
  clearInterval(trickle);
  t.same(statuses(slow.text()), ['HTTP/1.1 200', 'HTTP/1.1 408'], 'the first request answered, the trickled one refused with 408');
  t.equal(calls(), 1);

  const idle = open(ep.address.port);
  idle.write('GET /x HTTP/1.1\r\nHost: a\r\n\r\n');
  await closed(idle, 'the idle keep-alive connection');
  t.same(statuses(idle.text()), ['HTTP/1.1 200'], 'an idle connection gets no unasked-for answer');
  const st = ep.stats();
  t.equal(st.refused['slow-request'], 1);
  t.ok(st.idleClosed >= 1, 'the idle one is counted as idle, not refused');
});

t.test('a client that pipelines and never reads gets a bounded number of answers built, then is cut', async (t) => {
  let calls = 0;
  const big = 'x'.repeat(1024 * 1024);
  const ep = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    requestTimeoutMs: 1000,
    headersTimeoutMs: 1000,
    maxRequestsPerConnection: 1000,
    routes: {
      '/big': async () => {
        calls++;
        return { status: 200, contentType: 'text/plain', body: big };
      },
    },
  });
  t.teardown(() => ep.stop());
  const s = connect(ep.address.port, '127.0.0.1');
  s.on('error', () => undefined);
  t.teardown(() => s.destroy());
  s.pause(); // never reads (so it never sees its own end either: the server's side is watched)
  s.write('GET /big HTTP/1.1\r\nHost: a\r\n\r\n'.repeat(500));
  for (let i = 0; i < 300 && ep.stats().refused['slow-reader'] === 0; i++) await new Promise((r) => setTimeout(r, 100));
  t.equal(ep.stats().refused['slow-reader'], 1, 'cut as a slow reader');
  t.equal(ep.stats().open, 0, 'and its connection is gone');
  t.ok(calls < 500, `${calls} of 500 answers built before the client was cut (each waits for the last to be taken)`);
});

t.test('huge heads, bodies on GET, upgrades and garbage are refused with a status, counted, and the connection closed', async (t) => {
  const { ep, calls } = await countingServer(t);
  const port = ep.address.port;
  // 10 KiB: over the 8 KiB limit, within what the gate frames; 40 KiB: beyond both.
  t.match(await raw(port, `GET /x HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(10_000)}\r\n\r\n`), /^HTTP\/1\.1 431 /);
  t.match(await raw(port, `GET /x HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n`), /^HTTP\/1\.1 431 /);
  const withBody = await raw(port, 'GET /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET /x HTTP/1.1\r\nHost: a\r\n\r\n');
  t.same(statuses(withBody), ['HTTP/1.1 400'], 'a GET announcing a body: 400, and nothing after it is answered');
  t.match(withBody, /carries no body/);
  t.same(statuses(await raw(port, 'HEAD /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n')), ['HTTP/1.1 400']);
  t.same(statuses(await raw(port, 'GET /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')), ['HTTP/1.1 200'], 'Content-Length: 0 is no body');
  // The gate frames nothing after an upgrade request: the rest would reach the parser at once.
  for (const first of ['GET /x HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n', 'GET /x HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: h2c\r\n\r\n', 'CONNECT a:80 HTTP/1.1\r\nHost: a:80\r\n\r\n']) {
    const reply = await raw(port, first + 'GET /x HTTP/1.1\r\nHost: a\r\n\r\n'.repeat(500));
    t.same(statuses(reply), ['HTTP/1.1 400'], `${first.split('\r\n')[0]} with ${first.includes('pgrade') ? 'an upgrade' : 'CONNECT'}: 400, nothing pipelined behind it answered`);
  }
  t.match(await raw(port, 'NOT HTTP AT ALL\r\n\r\n'), /^HTTP\/1\.1 400 /);
  t.equal(calls(), 1, 'the route ran only for the GET with Content-Length: 0');
  const r = ep.stats().refused;
  t.same({ header: r.header, body: r.body, upgrade: r.upgrade, malformed: r.malformed }, { header: 2, body: 2, upgrade: 3, malformed: 1 });
  // The server is still there for everyone else.
  const res = await fetch(`${ep.address.url}/x`);
  t.equal(res.status, 200);
  await res.text();
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
