import t from 'tap';
import { type ParsedRequest, RequestParser } from '../../../../src/daemon/exports/request-parser.js';

const names = (rs: ParsedRequest[]) => rs.map((r) => (r.kind === 'request' ? `${r.name}${r.arg === null ? '' : `=${r.arg}`}` : r.kind));

t.test('gpsd grammar: ?CMD; and ?CMD={json};', async (t) => {
  const p = new RequestParser();
  t.same(names(p.push('?VERSION;')), ['VERSION']);
  t.same(names(p.push('?WATCH={"enable":true,"json":true};\n')), ['WATCH={"enable":true,"json":true}']);
  t.same(names(p.push('?poll;')), ['POLL'], 'names are case-insensitive');
  t.same(names(p.push('?DEVICES\n')), ['DEVICES'], 'a newline ends a request without ;');
  t.equal(p.pendingBytes, 0);
});

t.test('several commands in one packet', async (t) => {
  const p = new RequestParser();
  t.same(names(p.push('?WATCH={"enable":true};?POLL;\r\n?DEVICES; ?VERSION;')), ['WATCH={"enable":true}', 'POLL', 'DEVICES', 'VERSION']);
});

t.test('a request split across packets, at every byte', async (t) => {
  const text = '?WATCH={"enable":true,"device":"/dev/x;y{"};?POLL;';
  for (let cut = 1; cut < text.length; cut++) {
    const p = new RequestParser();
    const got = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut))];
    t.same(names(got), ['WATCH={"enable":true,"device":"/dev/x;y{"}', 'POLL'], `cut at ${cut}`);
  }
});

t.test('garbage: one ERROR-worthy item per run, then requests still parse', async (t) => {
  const p = new RequestParser();
  t.same(names(p.push('hello world\n?VERSION;')), ['garbage', 'VERSION']);
  t.same(names(p.push('junk without end')), ['garbage']);
  t.same(names(p.push(' more of the same junk')), [], 'the rest of the same garbage run is not reported again');
  t.same(names(p.push('\n?POLL;')), ['POLL']);
  const g = new RequestParser().push('\u0000\u00ff binary;?VERSION;');
  t.equal(g[0]!.kind, 'garbage');
  t.same(names(g.slice(1)), ['VERSION']);
});

t.test('unknown command shapes are passed on for the server to refuse', async (t) => {
  const p = new RequestParser();
  t.same(names(p.push('?FOO;')), ['FOO']);
  t.same(names(p.push('?WATCH=notjson;')), ['WATCH=notjson']);
  t.same(names(p.push('?WATCH {x};')), ['WATCH {x}']);
});

t.test('overlong: reported once, skipped, the buffer stays bounded', async (t) => {
  const p = new RequestParser(128);
  const long = `?WATCH={"device":"${'x'.repeat(500)}"};?VERSION;`;
  t.same(names(p.push(long)), ['overlong', 'VERSION']);
  const q = new RequestParser(128);
  const got: ParsedRequest[] = [];
  got.push(...q.push('?WATCH={"device":"'));
  for (let i = 0; i < 100; i++) {
    got.push(...q.push('y'.repeat(100)));
    t.ok(q.pendingBytes <= 128, 'pending input bounded');
  }
  got.push(...q.push('"};?POLL;'));
  t.same(names(got), ['overlong', 'POLL'], 'an endless request is reported once and the next one parses');
});

t.test('a JSON argument still open at a newline ends there and does not swallow the next requests', async (t) => {
  const p = new RequestParser();
  t.same(names(p.push('?WATCH={"enable":true\n')), ['WATCH={"enable":true'], 'answered at the newline, truncated');
  t.equal(p.pendingBytes, 0, 'nothing held back');
  t.same(names(p.push('?VERSION;\n?POLL;')), ['VERSION', 'POLL'], 'the session goes on');
  t.same(names(p.push('?DEVICE={"path":"x\r\n?VERSION;')), ['DEVICE={"path":"x', 'VERSION'], 'CRLF: the CR is not part of the argument');
  t.same(names(p.push('?WATCH=[1,2\n')), ['WATCH=[1,2']);
  // Split at every byte: the same answer whatever the packet boundaries.
  const text = '?WATCH={"a":"b\n?VERSION;';
  for (let cut = 1; cut < text.length; cut++) {
    const q = new RequestParser();
    t.same(names([...q.push(text.slice(0, cut)), ...q.push(text.slice(cut))]), ['WATCH={"a":"b', 'VERSION'], `cut at ${cut}`);
  }
});
