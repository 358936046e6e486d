// A malformed-request corpus sent to our gpsd JSON server and to real gpsd side by side.
// What a gpsd client notices is compared: every line that gpsd answers, we answer (an ERROR
// where the request is broken), nothing wedges the session (a ?VERSION; after each line is
// answered by both), and nobody drops the connection. Where gpsd stays silent (text that is
// not a request) we answer an ERROR: a deliberate departure (request-parser.ts).
import t from 'tap';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GpsdJsonServer } from '../../src/daemon/exports/gpsd-json-server.js';
import { freeTcpPort } from '../helpers/ports.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


/** Malformed or borderline requests, one per line (the newline is added). */
const CORPUS: string[] = [
  '?WATCH={"enable":true', // JSON never closed
  '?WATCH=[1,2',
  '?DEVICE={"path":"x"',
  '?WATCH={"enable":tru}',
  '?WATCH={"class":"WATCH","json":"yes"};',
  '?WATCH={"enable":true,"json":true',
  '?WATCH={"device":"/dev/none"}',
  '?POLL',
  '?FOO;',
  '?',
  '?;',
  '??VERSION;',
  '?WATCH=;',
  '?WATCH={}}}}',
  '?WATCH={"a":"\\u00"}',
  '?DEVICE={"path":',
  '?VERSION={"x":1};',
  '?WATCH={"enable":true,"json":true};?POLL;?WATCH={"enable":false};',
  '\u0000\u0001\u00ff\u00fe',
  '$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A',
  '{"class":"WATCH","enable":true}',
  `?WATCH={"device":"${'x'.repeat(3000)}"}`, // longer than a request may be
  `?${'A'.repeat(200)};`,
];

class Peer {
  readonly lines: string[] = [];
  #buf = '';
  closed = false;
  constructor(readonly sock: Socket) {
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      this.#buf += d;
      let i;
      while ((i = this.#buf.indexOf('\n')) >= 0) {
        this.lines.push(this.#buf.slice(0, i).replace(/\r$/, ''));
        this.#buf = this.#buf.slice(i + 1);
      }
    });
    sock.on('close', () => (this.closed = true));
    sock.on('error', () => undefined);
  }
  static async open(port: number): Promise<Peer> {
    for (let attempt = 0; ; attempt++) {
      const s = connect(port, '127.0.0.1');
      try {
        await new Promise((r, j) => s.once('connect', r).once('error', j));
        return new Peer(s);
      } catch (err) {
        if (attempt > 100) throw err;
        await sleep(100);
      }
    }
  }
  /** Sends one corpus line and a ?VERSION; probe; returns what came back before the probe's answer. */
  async exchange(line: string): Promise<{ before: string[]; probeAnswered: boolean }> {
    const start = this.lines.length;
    this.sock.write(`${line}\n`);
    this.sock.write('?VERSION;\n');
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && !this.closed) {
      const idx = this.lines.slice(start).findIndex((l) => l.includes('"class":"VERSION"'));
      if (idx >= 0) return { before: this.lines.slice(start, start + idx), probeAnswered: true };
      await sleep(20);
    }
    return { before: this.lines.slice(start), probeAnswered: false };
  }
}

const dir = mkdtempSync(join(tmpdir(), 'gpsd-malformed-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const gpsdPort = await freeTcpPort();
// No device: the request grammar does not depend on one. -N foreground, -F a control socket of our own.
const gpsd: ChildProcess = spawn('gpsd', ['-N', '-S', String(gpsdPort), '-F', join(dir, 'gpsd.sock')], { stdio: ['ignore', 'ignore', 'pipe'] });
t.teardown(() => gpsd.kill('SIGTERM'));

const ours = new GpsdJsonServer({ listen: '127.0.0.1', port: 0, maxClients: 4, clientBufferBytes: 262_144, rev: 'test' });
const { port: ourPort } = await ours.listen();
t.teardown(() => ours.close());

const theirs = await Peer.open(gpsdPort);
const mine = await Peer.open(ourPort);
t.teardown(() => {
  theirs.sock.destroy();
  mine.sock.destroy();
});
// Both greet with VERSION.
while (theirs.lines.length < 1 || mine.lines.length < 1) await sleep(20);

for (const line of CORPUS) {
  const label = JSON.stringify(line.length > 60 ? `${line.slice(0, 57)}...` : line);
  t.test(label, async (t) => {
    const [g, m] = await Promise.all([theirs.exchange(line), mine.exchange(line)]);
    t.ok(g.probeAnswered, 'gpsd answers the next request (reference)');
    t.ok(m.probeAnswered, 'we answer the next request: the session is not wedged');
    t.notOk(mine.closed, 'we keep the connection');
    for (const l of m.before) t.doesNotThrow(() => JSON.parse(l), `we answer JSON only: ${l.slice(0, 80)}`);
    if (g.before.length > 0) t.ok(m.before.length > 0, `gpsd answers (${g.before.map((l) => l.slice(0, 60)).join(' | ')}), so do we`);
    else t.ok(m.before.some((l) => l.includes('"class":"ERROR"')), 'gpsd is silent; we say why with an ERROR');
  });
}

t.test('counters: every malformed line was counted', async (t) => {
  const s = ours.stats();
  const failures = (s.requests.garbage ?? 0) + (s.requests.overlong ?? 0) + (s.requests.unknown ?? 0);
  t.ok(failures >= 5, `garbage/overlong/unknown counted (${JSON.stringify(s.requests)})`);
  t.ok(s.errorsSent >= CORPUS.length / 2, `ERRORs sent: ${s.errorsSent}`);
});
