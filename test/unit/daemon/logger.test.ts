import t from 'tap';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../../src/daemon/logger.js';

function capture(level: 'debug' | 'info', format: 'json' | 'text' = 'json') {
  const out = new PassThrough();
  const lines: string[] = [];
  out.on('data', (c: Buffer) => lines.push(...c.toString().split('\n').filter(Boolean)));
  return { log: createLogger({ level, format, stream: out }), lines };
}

t.test('JSON lines carry time, level, message and fields; fields cannot overwrite them', async (t) => {
  const { log, lines } = capture('info');
  log.child({ service: 'gnss' }).info('fix', { mode: 3, time: 'spoofed', err: new Error('boom') });
  const rec = JSON.parse(lines[0]!);
  t.equal(rec.level, 'info');
  t.equal(rec.msg, 'fix');
  t.equal(rec.service, 'gnss');
  t.equal(rec.mode, 3);
  t.match(rec.time, /^\d{4}-\d\d-\d\dT/);
  t.equal(rec['field.time'], 'spoofed');
  t.same(rec.err, { name: 'Error', message: 'boom' });
});

t.test('the level filters, and setLevel applies to children made earlier', async (t) => {
  const { log, lines } = capture('info');
  const child = log.child({ a: 1 });
  child.debug('hidden');
  log.setLevel('debug');
  child.debug('shown');
  t.same(lines.map((l) => JSON.parse(l).msg), ['shown']);
});

t.test('text format for a terminal, and unserialisable fields do not throw', async (t) => {
  const { log, lines } = capture('info', 'text');
  const loop: Record<string, unknown> = {};
  loop.self = loop;
  log.warn('odd', { loop, n: 10n });
  t.match(lines[0], /WARN  odd loop="<unserialisable>" n="10"/);
});

t.test('under journald each line carries its syslog priority (sd-daemon(3)), so journalctl -p filters', async (t) => {
  const out = new PassThrough();
  const lines: string[] = [];
  out.on('data', (c: Buffer) => lines.push(...c.toString().split('\n').filter(Boolean)));
  const log = createLogger({ level: 'debug', format: 'json', stream: out, priorityPrefix: true });
  log.debug('d');
  log.info('i');
  log.warn('w');
  log.error('e');
  t.same(
    lines.map((l) => l.slice(0, 3)),
    ['<7>', '<6>', '<4>', '<3>'],
  );
  t.equal(JSON.parse(lines[3]!.slice(3)).msg, 'e', 'the rest of the line is the JSON record');
  const plain = capture('info');
  plain.log.info('x');
  t.equal(plain.lines[0]![0], '{', 'no prefix off the journal');
});
