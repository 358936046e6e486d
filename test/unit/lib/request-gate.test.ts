import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import t from 'tap';
import { gateRequests, RequestGate, type GateStats } from '../../../src/lib/request-gate.js';

/**
 * A real node:http server behind the gate, driven over loopback TCP with hand-written bytes:
 * pipelining, chunk boundaries, chunked bodies, garbage, half-close, early answers, upgrades.
 */
interface Lab {
  port: number;
  stats: GateStats;
  /** Requests being handled right now, per connection. */
  maxConcurrentPerConnection: number;
  seen: string[];
  close(): Promise<void>;
}

async function lab(handler?: (req: IncomingMessage, res: ServerResponse, body: string) => void, onUpgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void): Promise<Lab> {
  const stats: GateStats = { requests: 0, held: 0, passthrough: 0 };
  const active = new Map<unknown, number>();
  const l: Lab = { port: 0, stats, maxConcurrentPerConnection: 0, seen: [], close: async () => undefined };
  const server = createServer((req, res) => {
    const n = (active.get(req.socket) ?? 0) + 1;
    active.set(req.socket, n);
    l.maxConcurrentPerConnection = Math.max(l.maxConcurrentPerConnection, n);
    res.once('close', () => active.set(req.socket, (active.get(req.socket) ?? 1) - 1));
    let body = '';
    req.setEncoding('latin1');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      l.seen.push(`${req.method} ${req.url} ${body}`);
      if (handler) return handler(req, res, body);
      // Answer a turn later, as a real handler that awaits something would.
      setImmediate(() => res.end(`${req.url}:${body}`));
    });
  });
  server.on('clientError', (_e, s) => s.destroy());
  if (onUpgrade) server.on('upgrade', onUpgrade);
  gateRequests(server, stats);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  l.port = (server.address() as AddressInfo).port;
  l.close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return l;
}

function open(port: number): Promise<{ sock: Socket; text: () => string; closed: Promise<void> }> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    let text = '';
    sock.setEncoding('latin1');
    sock.on('data', (c: string) => (text += c));
    sock.on('error', () => undefined);
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    sock.once('connect', () => resolve({ sock, text: () => text, closed }));
  });
}

const post = (path: string, body: string, extra = '') => `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;
const until = async (cond: () => boolean, what: string) => {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
};
const answers = (text: string) => [...text.matchAll(/HTTP\/1\.1 (\d{3})[^]*?\r\n\r\n([^H]*)/g)].map((m) => `${m[1]} ${m[2]}`);

t.test('pipelined requests reach the handler one at a time, in order, all answered', async (t) => {
  const l = await lab();
  t.teardown(l.close);
  const c = await open(l.port);
  const n = 200;
  c.sock.write(Array.from({ length: n }, (_, i) => post(`/r${i}`, `b${i}`)).join(''));
  await until(() => (c.text().match(/HTTP\/1\.1 200/g) ?? []).length === n, `${n} answers`);
  t.equal(l.maxConcurrentPerConnection, 1, 'never two requests of one connection in the handler at once');
  t.same(l.seen, Array.from({ length: n }, (_, i) => `POST /r${i} b${i}`), 'in order, bodies intact');
  t.ok(l.stats.held >= n / 2, `pipelined requests were held back (${l.stats.held})`);
  t.equal(l.stats.requests, n);
  c.sock.destroy();
});

t.test('another connection is served while one pipelines', async (t) => {
  const l = await lab();
  t.teardown(l.close);
  const flood = await open(l.port);
  const other = await open(l.port);
  const n = 300;
  flood.sock.write(Array.from({ length: n }, (_, i) => post(`/f${i}`, 'x')).join(''));
  await until(() => l.seen.length > 0, 'the flood to start');
  other.sock.write(post('/other', 'y'));
  await until(() => /\/other:y/.test(other.text()), 'the other answer');
  const floodAnswered = (flood.text().match(/HTTP\/1\.1 200/g) ?? []).length;
  // Without the gate all 300 are parsed and dispatched in the turn their bytes arrive, and
  // their answers are queued before the other client's request is even read.
  t.ok(floodAnswered < n, `the other client was answered while the flood was at ${floodAnswered} of ${n}`);
  await until(() => (flood.text().match(/HTTP\/1\.1 200/g) ?? []).length === n, 'the flood to finish');
  flood.sock.destroy();
  other.sock.destroy();
});

t.test('framing holds at every chunk boundary, for length and chunked bodies', async (t) => {
  const l = await lab();
  t.teardown(l.close);
  const chunkedBody = '4\r\nabcd\r\n3;x=y\r\nefg\r\n0\r\nT: 1\r\n\r\n';
  const stream =
    post('/a', 'one') +
    `POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunkedBody}` +
    '\r\n' + // a stray CRLF between requests (RFC 9112 §2.2)
    post('/c', '') +
    `GET /d HTTP/1.1\r\nHost: x\r\n\r\n`;
  for (const size of [1, 2, 3, 7, 13, 64]) {
    const c = await open(l.port);
    l.seen.length = 0;
    for (let i = 0; i < stream.length; i += size) {
      c.sock.write(stream.slice(i, i + size));
      await new Promise((r) => setImmediate(r));
    }
    await until(() => (c.text().match(/HTTP\/1\.1 200/g) ?? []).length === 4, `4 answers at ${size}-byte writes`);
    t.same(l.seen, ['POST /a one', 'POST /b abcdefg', 'POST /c ', 'GET /d '], `${size}-byte writes`);
    c.sock.destroy();
  }
});

t.test('what cannot be framed goes to the parser, which refuses it and closes', async (t) => {
  const l = await lab();
  t.teardown(l.close);
  for (const bad of [
    'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    'POST / HTTP/1.1\r\nContent-Length: 2, 3\r\n\r\nab',
    Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37 + 11) & 0xff)).toString('latin1') + '\r\n\r\n',
    `GET / HTTP/1.1\r\nX: ${'a'.repeat(20_000)}\r\n\r\n`,
  ]) {
    const c = await open(l.port);
    c.sock.write(bad, 'latin1');
    await c.closed;
    t.notMatch(c.text(), /HTTP\/1\.1 200/, `no request handled for ${JSON.stringify(bad.slice(0, 40))}…`);
  }
  t.ok(l.stats.passthrough >= 3, `passed through: ${l.stats.passthrough}`);
  t.same(l.seen, [], 'the handler never saw them');
  // The server is fine afterwards.
  const c = await open(l.port);
  c.sock.write(post('/ok', 'z'));
  await until(() => /\/ok:z/.test(c.text()), 'a good request after the bad ones');
  c.sock.destroy();
});

t.test('a client that half-closes after pipelining gets every answer', async (t) => {
  const l = await lab();
  t.teardown(l.close);
  const c = await open(l.port);
  c.sock.end(post('/1', 'a') + post('/2', 'b') + post('/3', 'c'));
  await c.closed;
  t.same(answers(c.text()), ['200 /1:a', '200 /2:b', '200 /3:c']);
});

t.test('an answer before the body is read: the body is skipped, the next request framed', async (t) => {
  const l = await lab((req, res) => {
    res.end(req.url === '/big' ? 'refused' : `ok ${req.url}`);
  });
  t.teardown(l.close);
  const c = await open(l.port);
  c.sock.write(post('/big', 'x'.repeat(100_000)) + post('/next', 'n'));
  await until(() => /ok \/next/.test(c.text()), 'the request after the big body');
  t.same(l.seen, [`POST /big ${'x'.repeat(100_000)}`, 'POST /next n']);
  c.sock.destroy();
});

t.test('an upgrade gets the real socket, with the bytes that followed the request', async (t) => {
  let got: { isGate: boolean; detached: Socket | null } = { isGate: false, detached: null };
  const l = await lab(undefined, (_req, socket, head) => {
    const isGate = socket instanceof RequestGate;
    const real = isGate ? (socket as RequestGate).detach() : (socket as Socket);
    got = { isGate, detached: real };
    let rest = head.toString('latin1');
    real.setEncoding('latin1');
    real.on('data', (c: string) => {
      rest += c;
      if (rest.includes('END')) real.end(`echo:${rest}`);
    });
  });
  t.teardown(l.close);
  const c = await open(l.port);
  c.sock.write('GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\nframe-1 ');
  await new Promise((r) => setTimeout(r, 20));
  c.sock.write('frame-2 END');
  await c.closed;
  t.ok(got.isGate, "the 'upgrade' listener got the gate");
  t.ok(got.detached && typeof got.detached.setNoDelay === 'function', 'detach gave back a net.Socket');
  t.equal(c.text(), 'echo:frame-1 frame-2 END', 'no byte lost or doubled across the hand-over');
});

t.test('an Upgrade header the server answers as a plain request does not open the gate for what follows', async (t) => {
  // Node answers `Upgrade:` without `Connection: upgrade` as an ordinary request. Had the gate
  // stopped framing there, the 200 requests pipelined behind it would reach the parser at once.
  const l = await lab();
  t.teardown(l.close);
  const c = await open(l.port);
  const gets = Array.from({ length: 200 }, (_, i) => `GET /p${i} HTTP/1.1\r\nHost: x\r\n\r\n`).join('');
  c.sock.write(`GET /u HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\n\r\n${gets}`);
  await until(() => (c.text().match(/HTTP\/1\.1 200/g) ?? []).length === 201, 'all 201 answers');
  t.equal(l.stats.passthrough, 0, 'nothing went through unframed');
  t.equal(l.stats.requests, 201, 'each request framed on its own');
  t.equal(l.maxConcurrentPerConnection, 1, 'one request at a time on the connection');
  t.equal(l.seen[0], 'GET /u ');
  t.equal(l.seen.length, 201);
  c.sock.destroy();
});
