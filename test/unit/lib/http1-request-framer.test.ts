import t from 'tap';
import { ChunkedBodyScanner, frameRequestHead } from '../../../src/lib/http1-request-framer.js';

const head = (s: string) => Buffer.from(s, 'latin1');

t.test('a head is framed only once complete, at every split point', async (t) => {
  const req = 'POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello';
  const end = req.indexOf('\r\n\r\n') + 4;
  for (let i = 0; i < end; i++) t.equal(frameRequestHead(head(req.slice(0, i)), 16384), null, `incomplete at ${i}`);
  t.same(frameRequestHead(head(req), 16384), { kind: 'length', headerBytes: end, bodyBytes: 5 });
});

t.test('body length rules (RFC 9112 §6)', async (t) => {
  const f = (headers: string) => frameRequestHead(head(`POST / HTTP/1.1\r\n${headers}\r\n`), 16384);
  t.match(f(''), { kind: 'length', bodyBytes: 0 }, 'neither header: no body');
  t.match(f('content-length: 12\r\n'), { kind: 'length', bodyBytes: 12 }, 'names are case-insensitive');
  t.match(f('Content-Length: 7, 7\r\n'), { kind: 'length', bodyBytes: 7 }, 'identical list values are one length (§8.6)');
  t.match(f('Content-Length: 7\r\nContent-Length: 7\r\n'), { kind: 'length', bodyBytes: 7 }, 'identical repeated headers too');
  t.match(f('Content-Length: 7, 8\r\n'), { kind: 'unframable' }, 'differing list values');
  t.match(f('Content-Length: 7\r\nContent-Length: 8\r\n'), { kind: 'unframable' }, 'differing headers');
  t.match(f('Content-Length: -1\r\n'), { kind: 'unframable' }, 'negative');
  t.match(f('Content-Length: 0x10\r\n'), { kind: 'unframable' }, 'not decimal');
  t.match(f('Transfer-Encoding: chunked\r\n'), { kind: 'chunked' });
  t.match(f('Transfer-Encoding: gzip, chunked\r\n'), { kind: 'chunked' }, 'chunked last');
  t.match(f('Transfer-Encoding: chunked, gzip\r\n'), { kind: 'unframable' }, 'chunked not last (§6.1: 400)');
  t.match(f('Transfer-Encoding: chunked\r\nContent-Length: 3\r\n'), { kind: 'unframable', reason: /content-length with transfer-encoding/ }, 'both: smuggling shape');
  t.match(f('no colon here\r\n'), { kind: 'unframable' }, 'a header line without a colon');
  t.same(f('Upgrade: websocket\r\nConnection: Upgrade\r\n'), { kind: 'length', headerBytes: 60, bodyBytes: 0 }, 'an upgrade request is framed like any other (its owner decides)');
});

t.test('empty lines before a request line are skipped (§2.2)', async (t) => {
  const r = frameRequestHead(head('\r\n\r\nGET / HTTP/1.1\r\n\r\n'), 16384);
  t.same(r, { kind: 'length', headerBytes: 4 + 18, bodyBytes: 0 });
});

t.test('a head over the limit is unframable, complete or not', async (t) => {
  const big = `GET / HTTP/1.1\r\nX: ${'a'.repeat(300)}\r\n\r\n`;
  t.match(frameRequestHead(head(big), 100), { kind: 'unframable', reason: 'header too large' });
  t.match(frameRequestHead(head(big.slice(0, 200)), 100), { kind: 'unframable', reason: 'header too large' });
  t.equal(frameRequestHead(head(big.slice(0, 90)), 100), null);
});

t.test('binary noise never frames as a request with a body', async (t) => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
  for (let n = 0; n < 200; n++) {
    const b = Buffer.from(Array.from({ length: 64 + (n % 64) }, rnd));
    const r = frameRequestHead(b, 16384);
    t.ok(r === null || r.kind === 'unframable' || r.kind === 'length' || r.kind === 'chunked', 'no throw');
  }
});

const body = '5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\n';

t.test('a chunked body is measured exactly, fed whole or byte by byte', async (t) => {
  const whole = new ChunkedBodyScanner();
  const buf = Buffer.from(body + 'NEXT');
  t.equal(whole.feed(buf, 0), body.length, 'stops at the end of the body');
  t.ok(whole.done);
  const bytewise = new ChunkedBodyScanner();
  let used = 0;
  for (let i = 0; i < buf.length && !bytewise.done; i++) used += bytewise.feed(buf.subarray(i, i + 1), 0);
  t.equal(used, body.length);
  t.ok(bytewise.done);
  const noTrailer = new ChunkedBodyScanner();
  t.equal(noTrailer.feed(Buffer.from('3\r\nabc\r\n0\r\n\r\nX'), 0), 13);
  t.ok(noTrailer.done);
});

t.test('a malformed chunked body fails, never hangs', async (t) => {
  for (const bad of ['zz\r\n', '3\r\nabcX\r\n', `${'1'.repeat(20)}\r\n`]) {
    const s = new ChunkedBodyScanner();
    s.feed(Buffer.from(bad), 0);
    t.ok(s.failed, `${JSON.stringify(bad)}: ${s.failed}`);
  }
  const long = new ChunkedBodyScanner();
  long.feed(Buffer.from('1'.repeat(100)), 0, 64);
  t.equal(long.failed, 'chunk line too long');
});
