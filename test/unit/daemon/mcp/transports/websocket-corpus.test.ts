import t from 'tap';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { createMcpServer } from '../../../../../src/daemon/mcp/server/create-server.js';
import { WebSocketServerTransport } from '../../../../../src/daemon/mcp/transports/websocket-transport.js';
import { CORPUS, canonical, runCorpus, type Reply } from '../../../../helpers/mcp-malformed-corpus.js';
import { FakeApi } from './test-server.js';

/**
 * The stdio corpus (test/integration/mcp-stdio-malformed.test.ts) over the WebSocket transport,
 * one line per text frame, in front of the real MCP server: the same answers, line for line.
 * Lines over the size limit and lines that are not UTF-8 are stdio-only (ws closes 1009/1007).
 */
const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
await once(wss, 'listening');
t.teardown(() => new Promise<void>((r) => wss.close(() => r())));
const accepted = once(wss, 'connection') as Promise<[WebSocket]>;
const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, 'mcp');
t.teardown(() => client.terminate());
const [socket] = await accepted;
const transport = new WebSocketServerTransport(socket, { pingIntervalMs: 0 });
const server = createMcpServer(new FakeApi(), { id: 'key:test', role: 'admin', transport: 'websocket' });
await server.connect(transport);
t.teardown(() => server.close());
await once(client, 'open');
const received: Reply[] = [];
let closed = false;
client.on('close', () => (closed = true));
client.on('message', (d) => received.push(JSON.parse(d.toString()) as Reply));

client.send(JSON.stringify({ jsonrpc: '2.0', id: 'init', method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'corpus', version: '0' } } }));
while (!received.some((m) => m.id === 'init')) await new Promise((r) => setTimeout(r, 5));
received.splice(0);

const lines = CORPUS.filter((c) => !c.stdioOnly);

t.test(`${lines.length} of the ${CORPUS.length} corpus lines as text frames`, async (t) => {
  // A frame per line: runCorpus sends "line\nprobe\n"; split it back into frames.
  const conn = {
    received,
    send: (b: Buffer) => {
      const text = b.toString('utf8');
      const cut = text.lastIndexOf('\n', text.length - 2);
      client.send(text.slice(0, cut));
      client.send(text.slice(cut + 1, -1));
    },
  };
  const steps = await runCorpus(conn, lines);
  for (const s of steps) {
    t.same(canonical(s.got), canonical(s.expected), `${s.name}: answers`);
    t.ok(s.probeAnswered, `${s.name}: the session went on`);
  }
  t.notOk(closed, 'connection still open');
  t.ok(transport.rejected.total > 0 && transport.rejected.byReason.parse_error, 'rejections counted by reason');
  t.equal(transport.stats.malformed, transport.rejected.total);
});
