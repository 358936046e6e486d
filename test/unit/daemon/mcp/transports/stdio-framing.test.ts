import t from 'tap';
import { PassThrough } from 'node:stream';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { LineFramer, type Frame } from '../../../../../src/daemon/mcp/transports/stdio-framing.js';
import { TopLevelIdScanner } from '../../../../../src/daemon/mcp/transports/stdio-id-scan.js';
import { StdioJsonRpcTransport } from '../../../../../src/daemon/mcp/transports/stdio-transport.js';

const feed = (f: LineFramer, ...chunks: Array<string | Buffer>): Frame[] => chunks.flatMap((c) => f.push(typeof c === 'string' ? Buffer.from(c) : c));

t.test('lines split across chunks, CRLF, empty lines', async (t) => {
  const f = new LineFramer(100);
  t.same(feed(f, '{"a":', '1}\n{"b"', ':2}\r', '\n\n'), [
    { kind: 'line', text: '{"a":1}' },
    { kind: 'line', text: '{"b":2}' },
    { kind: 'line', text: '' },
  ]);
  t.same(feed(f, 'x'), [], 'no newline, no frame');
  t.equal(f.pendingBytes, 1);
  t.same(feed(f, '\r', '\n'), [{ kind: 'line', text: 'x' }], 'a CR in its own chunk still belongs to the CRLF');
});

t.test('a UTF-8 character split across chunks survives', async (t) => {
  const bytes = Buffer.from('"é€😀"\n');
  const f = new LineFramer(100);
  const frames = [...bytes].flatMap((b) => f.push(Buffer.from([b])));
  t.same(frames, [{ kind: 'line', text: '"é€😀"' }]);
});

t.test('the size bound: exactly at it, one over, CRLF at it, split across it', async (t) => {
  const f = new LineFramer(10);
  t.same(feed(f, `${'a'.repeat(10)}\n`), [{ kind: 'line', text: 'a'.repeat(10) }], '10 bytes: accepted');
  t.same(feed(f, `${'a'.repeat(10)}\r\n`), [{ kind: 'line', text: 'a'.repeat(10) }], '10 bytes + CRLF: accepted');
  t.same(feed(f, `${'a'.repeat(11)}\n`), [{ kind: 'oversized', bytes: 11, id: null }], '11 bytes: refused');
  t.same(feed(f, 'aaaaaa', 'aaaaaa', 'aaaa\nok\n'), [{ kind: 'oversized', bytes: 16, id: null }, { kind: 'line', text: 'ok' }], 'crossing the bound mid-chunk, then the next line intact');
  t.same(feed(f, 'a'.repeat(50), 'b'.repeat(50)), [], 'nothing until the newline');
  t.equal(f.pendingBytes, 0, 'an oversized line is not kept');
  t.same(feed(f, 'c\r\n{"x":1}\n'), [{ kind: 'oversized', bytes: 102, id: null }, { kind: 'line', text: '{"x":1}' }]);
});

t.test('the id of an oversized line is found wherever it is', async (t) => {
  const pad = 'p'.repeat(200);
  const f = new LineFramer(64);
  const a = `{"jsonrpc":"2.0","id":"s1","method":"x","params":{"t":"${pad}"}}`;
  t.same(feed(f, `${a}\n`), [{ kind: 'oversized', bytes: a.length, id: 's1' }]);
  const b1 = `{"params":{"id":"inner","t":"${pad.slice(0, 100)}`;
  const b2 = `${pad.slice(100)}"},"id":42}`;
  t.same(feed(f, b1, `${b2}\n`), [{ kind: 'oversized', bytes: b1.length + b2.length, id: 42 }], 'after the params, split across chunks; the inner "id" is not it');
  const c = `{"id":1.5,"t":"${pad}"}`;
  t.same(feed(f, `${c}\n`), [{ kind: 'oversized', bytes: c.length, id: null }], 'a float id is not usable');
});

t.test('TopLevelIdScanner', async (t) => {
  const scan = (...parts: string[]) => {
    const s = new TopLevelIdScanner();
    for (const p of parts) s.feed(Buffer.from(p));
    return s.result();
  };
  t.equal(scan('{"id":7}'), 7);
  t.equal(scan('{"i', 'd"', ' : ', '-1', '2}'), -12, 'split everywhere');
  t.equal(scan('{"id":"a\\"b"}'), 'a"b', 'escapes decoded');
  t.equal(scan('{"x":"\\"id\\":5","id":"real"}'), 'real', 'an "id" inside a string is not a key');
  t.equal(scan('{"id":1,"id":2}'), 2, 'the last wins, as in JSON.parse');
  t.equal(scan('{"id":null}'), null);
  t.equal(scan('{"id":{"a":1}}'), null);
  t.equal(scan('{"id":true}'), null);
  t.equal(scan('{"id":1e400}'), null);
  t.equal(scan('[{"id":1}]'), null, 'a batch has no top-level id');
  t.equal(scan('{"id":12'), 12, 'a number cut off by the end of the line');
  t.equal(scan('garbage'), null);
});

t.test('StdioJsonRpcTransport: answers, delivers, counts; never ends on a bad line', async (t) => {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  const rejects: string[] = [];
  const tr = new StdioJsonRpcTransport(stdin, stdout, { maxMessageBytes: 64, onReject: (r) => rejects.push(`${r.line}:${r.reason}`) });
  const delivered: JSONRPCMessage[] = [];
  let closes = 0;
  tr.onmessage = (m) => delivered.push(m);
  tr.onclose = () => closes++;
  await tr.start();
  stdin.write('{bad\n\n{"jsonrpc":"2.0","id":3,"method":"ping","params":[]}\n');
  stdin.write(`{"jsonrpc":"2.0","id":"big","x":"${'x'.repeat(100)}"}\n{"jsonrpc":"2.0","id":4,"method":"ping"}\n`);
  await new Promise((r) => setImmediate(r));
  t.same(
    out.trim().split('\n').map((l) => JSON.parse(l) as { id: unknown; error: { code: number } }).map((m) => [m.id, m.error.code]),
    [
      [null, -32700],
      [3, -32600],
      ['big', -32600],
    ],
  );
  t.same(delivered, [{ jsonrpc: '2.0', id: 4, method: 'ping' }], 'the good line after the bad ones is delivered');
  t.same(rejects, ['1:parse_error', '3:bad_params', '4:too_large']);
  t.same(tr.stats.rejected.byReason, { parse_error: 1, bad_params: 1, too_large: 1 });
  t.equal(tr.stats.ignored, 1, 'the empty line');
  t.equal(closes, 0, 'still open');
  await tr.send({ jsonrpc: '2.0', id: 4, result: {} });
  t.match(out, /\{"jsonrpc":"2.0","id":4,"result":\{\}\}\n$/);
  await tr.close();
  t.equal(closes, 1);
});
