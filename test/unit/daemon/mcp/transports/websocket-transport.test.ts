import t from 'tap';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { WebSocketServerTransport, type WebSocketTransportOptions } from '../../../../../src/daemon/mcp/transports/websocket-transport.js';

/** A real ws server whose one connection is wrapped in the transport under test; a real ws client. */
async function pair(t: { teardown(fn: () => unknown): void }, opts: WebSocketTransportOptions, clientOpts: WebSocket.ClientOptions = {}) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(wss, 'listening');
  t.teardown(() => new Promise<void>((r) => wss.close(() => r())));
  const port = (wss.address() as AddressInfo).port;
  const accepted = once(wss, 'connection') as Promise<[WebSocket]>;
  const client = new WebSocket(`ws://127.0.0.1:${port}`, 'mcp', clientOpts);
  t.teardown(() => client.terminate());
  const [socket] = await accepted;
  const transport = new WebSocketServerTransport(socket, opts);
  const delivered: JSONRPCMessage[] = [];
  let closes = 0;
  transport.onmessage = (m) => delivered.push(m);
  transport.onclose = () => closes++;
  await transport.start();
  await once(client, 'open');
  const replies: unknown[] = [];
  client.on('message', (d) => replies.push(JSON.parse(d.toString())));
  const nextReply = async () => {
    while (replies.length === 0) await new Promise((r) => setTimeout(r, 5));
    return replies.shift() as { id: unknown; error?: { code: number }; result?: unknown };
  };
  return { client, transport, delivered, closes: () => closes, nextReply };
}

t.test('malformed frames are answered with JSON-RPC errors and the session carries on', async (t) => {
  const p = await pair(t, { pingIntervalMs: 0 });
  p.client.send('{not json');
  t.match(await p.nextReply(), { id: null, error: { code: -32700 } }, 'parse error, id null');
  p.client.send(JSON.stringify({ jsonrpc: '1.0', id: 5, method: 'x' }));
  t.match(await p.nextReply(), { id: 5, error: { code: -32600 } }, 'not JSON-RPC 2.0: invalid request, with its id');
  p.client.send(Buffer.from('{}'), { binary: true });
  t.match(await p.nextReply(), { id: null, error: { code: -32600 } }, 'binary frame refused');
  p.client.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }));
  while (p.delivered.length === 0) await new Promise((r) => setTimeout(r, 5));
  t.same(p.delivered, [{ jsonrpc: '2.0', id: 1, method: 'ping' }], 'a good message after bad ones is delivered');
  t.equal(p.transport.stats.malformed, 3);
  await p.transport.send({ jsonrpc: '2.0', id: 1, result: {} });
  t.same(await p.nextReply(), { jsonrpc: '2.0', id: 1, result: {} }, 'send reaches the peer');
});

t.test('a gated request is answered by the gate and never delivered', async (t) => {
  const p = await pair(t, {
    pingIntervalMs: 0,
    gate: (m) => ('id' in m && m.id === 'no' ? ({ jsonrpc: '2.0', id: 'no', error: { code: -32029, message: 'slow down' } } as unknown as JSONRPCMessage) : null),
  });
  p.client.send(JSON.stringify({ jsonrpc: '2.0', id: 'no', method: 'tools/list' }));
  t.match(await p.nextReply(), { id: 'no', error: { code: -32029 } });
  p.client.send(JSON.stringify({ jsonrpc: '2.0', id: 'yes', method: 'tools/list' }));
  while (p.delivered.length === 0) await new Promise((r) => setTimeout(r, 5));
  t.same(p.delivered.map((m) => (m as { id: string }).id), ['yes']);
});

t.test('close() is a clean 1000 close and onclose fires once', async (t) => {
  const p = await pair(t, { pingIntervalMs: 0 });
  const closed = once(p.client, 'close') as Promise<[number, Buffer]>;
  await p.transport.close();
  const [code] = await closed;
  t.equal(code, 1000);
  await p.transport.close();
  t.equal(p.closes(), 1);
  await t.rejects(p.transport.send({ jsonrpc: '2.0', id: 1, result: {} }), /not open/);
});

t.test('keepalive: a peer that answers pings stays, one that does not is cut off', async (t) => {
  const good = await pair(t, { pingIntervalMs: 40 });
  const dead = await pair(t, { pingIntervalMs: 40 }, { autoPong: false });
  const [code] = (await once(dead.client, 'close')) as [number];
  t.equal(code, 1006, 'terminated without a closing handshake');
  while (dead.closes() === 0) await new Promise((r) => setTimeout(r, 5));
  t.equal(dead.closes(), 1);
  t.equal(dead.transport.stats.pingsMissed, 1);
  t.equal(good.client.readyState, WebSocket.OPEN, 'the answering peer is still connected');
  t.equal(good.closes(), 0);
});

t.test('the peer closing ends the transport', async (t) => {
  const p = await pair(t, { pingIntervalMs: 0 });
  p.client.close(1000);
  while (p.closes() === 0) await new Promise((r) => setTimeout(r, 5));
  t.equal(p.closes(), 1);
});
