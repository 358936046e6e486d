import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import t from 'tap';
import WebSocket from 'ws';
import { mcpSchema } from '../../src/config/sections/mcp.js';
import { createLogger } from '../../src/daemon/logger.js';
import { hashKey } from '../../src/daemon/mcp/auth/api-keys.js';
import { startMcpNetwork } from '../../src/daemon/mcp/http/mcp-network.js';
import { FakeApi, testServer } from '../unit/daemon/mcp/transports/test-server.js';

/**
 * The MCP port's head deadline (MCP_HEAD_TIMEOUT_MS, 1 s here): a head trickled in on a
 * kept-alive connection is cut with 408 and counted; an idle connection is closed quietly;
 * and nothing that has been answered, or taken over, is cut by it: a notification stream
 * (GET /mcp) and a WebSocket both outlive several deadlines and still work.
 */
const KEY = 'read-key-0123456789abcdef';
const HEAD_MS = 1000;
const config = mcpSchema.parse({ enabled: true, port: 0, keys: [{ name: 'assistant', role: 'read', sha256: hashKey(KEY) }] });
const net = await startMcpNetwork({ config, apiFor: () => new FakeApi(), createServer: testServer, log: createLogger({ level: 'error', format: 'json' }), headTimeoutMs: HEAD_MS });
t.teardown(() => net.stop());
const port = net.address.port;
const stats = () => (net.stats() as { http: { connections: number; idleClosed: number }; refused: { slowRequest: number } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function open(): Socket & { text(): string } {
  const s = connect(port, '127.0.0.1') as Socket & { text(): string };
  let out = '';
  s.setEncoding('utf8').on('data', (d: string) => (out += d));
  s.on('error', () => undefined);
  s.text = () => out;
  return s;
}
const closed = (s: Socket, what: string) =>
  new Promise<void>((resolve, reject) => {
    if (s.destroyed) return resolve();
    const guard = setTimeout(() => reject(new Error(`${what} was never closed`)), 30_000);
    s.once('close', () => (clearTimeout(guard), resolve()));
  });
const INIT = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '0' } } });
const post = (body: string) =>
  `POST /mcp HTTP/1.1\r\nHost: a\r\nx-api-key: ${KEY}\r\ncontent-type: application/json\r\naccept: application/json, text/event-stream\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

t.test('a head trickled in after an answer on a kept-alive connection is cut with 408 and counted', async (t) => {
  const before = stats().refused.slowRequest;
  const s = open();
  t.teardown(() => s.destroy());
  // A whole request, answered, then the start of the next, a header line every 200 ms.
  s.write(`${post(INIT)}POST /mcp HTTP/1.1\r\nHost: a\r\n`);
  let n = 0;
  const trickle = setInterval(() => s.writable && s.write(`X-${n++}: y\r\n`), 200);
  t.teardown(() => clearInterval(trickle));
  await closed(s, 'the trickling connection');
  clearInterval(trickle);
  const statuses = [...s.text().matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => m[1]);
  t.same(statuses, ['200', '408'], 'the first request answered, the trickled one refused');
  t.equal(stats().refused.slowRequest, before + 1, 'counted as a slow request');
});

t.test('an idle connection is closed quietly, not counted as refused', async (t) => {
  const before = stats();
  const s = open();
  t.teardown(() => s.destroy());
  await closed(s, 'the idle connection');
  t.equal(s.text(), '', 'no unasked-for answer');
  t.equal(stats().refused.slowRequest, before.refused.slowRequest);
  t.ok(stats().http.idleClosed > before.http.idleClosed, 'counted as idle');
});

t.test('a notification stream and a WebSocket outlive the head deadline and still work', async (t) => {
  // A session, then its notification stream (GET /mcp with the session id), held open.
  const init = await fetch(net.address.http, { method: 'POST', headers: { 'x-api-key': KEY, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: INIT });
  t.equal(init.status, 200);
  await init.body?.cancel();
  const session = init.headers.get('mcp-session-id');
  t.ok(session, 'a session id');
  const notified = await fetch(net.address.http, {
    method: 'POST',
    headers: { 'x-api-key': KEY, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': session!, 'mcp-protocol-version': '2025-06-18' },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  t.equal(notified.status, 202);
  let streamClosed = false;
  const stream = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
    const req = request(net.address.http, { method: 'GET', headers: { 'x-api-key': KEY, accept: 'text/event-stream', 'mcp-session-id': session!, 'mcp-protocol-version': '2025-06-18' } }, resolve);
    req.on('error', reject);
    req.end();
  });
  t.teardown(() => stream.destroy());
  t.equal(stream.statusCode, 200, 'the notification stream is open');
  stream.on('close', () => (streamClosed = true));
  stream.resume();

  const ws = new WebSocket(net.address.ws, 'mcp', { headers: { authorization: `Bearer ${KEY}` } });
  t.teardown(() => ws.close());
  await new Promise((r) => ws.once('open', r));
  let wsClosed = false;
  ws.on('close', () => (wsClosed = true));

  await sleep(3 * HEAD_MS + 500);
  t.equal(streamClosed, false, 'the notification stream is still open after three head deadlines');
  t.equal(wsClosed, false, 'the WebSocket too');
  ws.send(JSON.stringify({ jsonrpc: '2.0', id: 'p', method: 'ping' }));
  const reply = await new Promise<string>((r) => ws.once('message', (d) => r(String(d))));
  t.match(JSON.parse(reply), { id: 'p', result: {} }, 'and the WebSocket answers');
});
