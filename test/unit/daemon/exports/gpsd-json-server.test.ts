import t, { type Test } from 'tap';
import { connect, type Socket } from 'node:net';
import type { Fix, SatelliteView, Sky } from '../../../../src/daemon/core/fix.js';
import type { GnssTimeCheck } from '../../../../src/daemon/core/gnss-time-check.js';
import { GpsdJsonServer } from '../../../../src/daemon/exports/gpsd-json-server.js';
import { TrustTracker } from '../../../../src/daemon/gnss/epoch/trust-tracker.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DEVICE = '/dev/ttyTEST';
const TRUSTED = { timeValid: true };

const fix = (second: number): Fix => ({
  time: { year: 2024, month: 5, day: 6, hour: 7, minute: 8, second, millis: 0 },
  mode: 3,
  status: null,
  leapSeconds: null,
  lat: 48.1173,
  lon: 11.5167,
  altHAE: 592.3,
  altMSL: 545.4,
  geoidSep: 46.9,
  speed: 0,
  track: null,
  magvar: null,
  climb: null,
  eph: null,
  epv: null,
  receivedAt: Date.UTC(2024, 4, 6, 7, 8, second, 135),
  sentences: ['RMC', 'GGA'],
});

const sat = (PRN: number): SatelliteView => ({ PRN, gnssid: 0, svid: PRN, sigid: null, el: 45, az: 180, ss: 40, used: PRN % 2 === 0 });
const sky = (n: number): Sky => ({ time: null, nSat: n, uSat: Math.floor(n / 2), hdop: 0.9, pdop: 1.5, vdop: 1.2, satellites: Array.from({ length: n }, (_, i) => sat(i + 1)) });

/** A raw TCP client that collects parsed lines. */
class Client {
  readonly lines: string[] = [];
  #buf = '';
  constructor(readonly sock: Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      this.#buf += d;
      let i;
      while ((i = this.#buf.indexOf('\n')) >= 0) {
        this.lines.push(this.#buf.slice(0, i).replace(/\r$/, ''));
        this.#buf = this.#buf.slice(i + 1);
      }
    });
  }
  static async open(port: number): Promise<Client> {
    const s = connect(port, '127.0.0.1');
    await new Promise((r, j) => s.once('connect', r).once('error', j));
    return new Client(s);
  }
  get objs(): Record<string, unknown>[] {
    return this.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  }
  classes(): string[] {
    return this.objs.map((o) => String(o.class));
  }
  async waitFor(n: number, ms = 3000): Promise<void> {
    const end = Date.now() + ms;
    while (this.lines.length < n) {
      if (Date.now() > end) throw new Error(`got ${this.lines.length} of ${n} lines: ${this.lines.join(' | ')}`);
      await sleep(5);
    }
  }
}

async function start(t: Test, opts: Partial<ConstructorParameters<typeof GpsdJsonServer>[0]> = {}) {
  const server = new GpsdJsonServer({ listen: '127.0.0.1', port: 0, maxClients: 4, clientBufferBytes: 65_536, rev: 'unit', device: { path: DEVICE, bps: 9600 }, ...opts });
  const { port } = await server.listen();
  t.teardown(() => server.close());
  return { server, port };
}

t.test('VERSION on connect; WATCH answers DEVICES then WATCH; reports follow the policy', async (t) => {
  const { server, port } = await start(t);
  const c = await Client.open(port);
  t.teardown(() => c.sock.destroy());
  await c.waitFor(1);
  t.match(c.objs[0], { class: 'VERSION', release: '3.22', rev: 'unit', proto_major: 3, proto_minor: 14 });
  server.publishFix(fix(1), TRUSTED);
  await sleep(50);
  t.equal(c.lines.length, 1, 'nothing streamed before ?WATCH');
  c.sock.write('?WATCH={"enable":true,"json":true};');
  await c.waitFor(3);
  t.same(c.classes(), ['VERSION', 'DEVICES', 'WATCH']);
  t.match(c.objs[1], { devices: [{ class: 'DEVICE', path: DEVICE, driver: 'NMEA0183', flags: 1, bps: 9600, parity: 'N', stopbits: 1 }] });
  server.publishFix(fix(2), TRUSTED);
  server.publishSky(sky(8));
  server.publishNmea('$GPRMC,not,streamed*00');
  server.publishPps({ real: { sec: 100, nsec: 0 }, clock: { sec: 100, nsec: 1234 } });
  await c.waitFor(5);
  await sleep(50);
  t.same(c.classes(), ['VERSION', 'DEVICES', 'WATCH', 'TPV', 'SKY'], 'json only: no NMEA, no PPS');
  t.match(c.objs[3], { class: 'TPV', device: DEVICE, mode: 3, time: '2024-05-06T07:08:02.000Z', lat: 48.1173 });
  c.sock.write('?WATCH={"json":false,"nmea":true,"pps":true};');
  await c.waitFor(7);
  server.publishFix(fix(3), TRUSTED);
  server.publishNmea('$GPRMC,streamed*00');
  server.publishPps({ real: { sec: 100, nsec: 0 }, clock: { sec: 100, nsec: 1234 }, qErr: -5 });
  await c.waitFor(10);
  t.same(c.classes().slice(7), ['TOFF', 'PPS']);
  t.match(c.objs[7], { device: DEVICE, real_sec: Date.UTC(2024, 4, 6, 7, 8, 3) / 1000, real_nsec: 0, clock_nsec: 135_000_000 });
  t.match(c.objs[8], { real_sec: 100, clock_nsec: 1234, precision: -20, qErr: -5 });
  t.ok(c.lines.includes('$GPRMC,streamed*00'), 'the NMEA line, verbatim');
});

t.test('the time label is sent only while trusted: TPV time and TOFF come and go with the verdict', async (t) => {
  const { server, port } = await start(t);
  const c = await Client.open(port);
  t.teardown(() => c.sock.destroy());
  c.sock.write('?WATCH={"enable":true,"json":true,"pps":true};');
  await c.waitFor(3);
  // The verdicts come from the daemon's own TrustTracker, as GnssService passes them on.
  const tracker = new TrustTracker(1);
  const check = (verdict: GnssTimeCheck['verdict']): GnssTimeCheck => ({
    verdict,
    reference: 'RTC',
    disagreementS: verdict === 'disagrees' ? 619_315_200 : 0.1,
    limitS: 2,
    rolloverWeeks: 0,
    receiverTime: null,
    message: verdict === 'disagrees' ? 'receiver date 1024 weeks ahead of the RTC' : null,
  });
  const publish = (second: number, verdict: GnssTimeCheck['verdict']) => {
    const f = fix(second);
    const trust = tracker.record('valid', f.time, { check: check(verdict) });
    server.publishFix(f, trust);
    server.publishSky({ ...sky(4), time: f.time });
    return trust;
  };
  // Every line here is JSON; SKY closes each epoch, so waiting for it waits for any TOFF too.
  const since = () => c.lines.length;
  const objs = (from: number) => c.objs.slice(from);

  let from = since();
  t.ok(publish(1, 'agrees').timeValid, 'agrees: trusted');
  await c.waitFor(from + 3);
  t.same(objs(from).map((o) => o.class), ['TPV', 'TOFF', 'SKY'], 'trusted: TPV, TOFF, SKY');
  t.match(objs(from)[0], { time: '2024-05-06T07:08:01.000Z', mode: 3 });
  t.match(objs(from)[1], { class: 'TOFF', real_sec: Date.UTC(2024, 4, 6, 7, 8, 1) / 1000 });
  t.match(objs(from)[2], { time: '2024-05-06T07:08:01.000Z' });

  from = since();
  const bad = publish(2, 'disagrees');
  t.notOk(bad.timeValid, 'a valid epoch whose label disagrees is not time-valid');
  await c.waitFor(from + 2);
  t.same(objs(from).map((o) => o.class), ['TPV', 'SKY'], 'distrusted: no TOFF');
  const tpv = objs(from)[0]!;
  t.notOk('time' in tpv, `distrusted: TPV without time (${JSON.stringify(tpv)})`);
  t.match(tpv, { class: 'TPV', device: DEVICE, mode: 3, lat: 48.1173, lon: 11.5167, altMSL: 545.4 }, 'mode and position still sent');
  t.notOk('ept' in tpv, 'no time error without a time');
  t.notOk('time' in objs(from)[1]!, 'distrusted: SKY without time');
  c.sock.write('?POLL;');
  await c.waitFor(from + 3);
  const poll = objs(from)[2] as { class: string; tpv: Record<string, unknown>[] };
  t.equal(poll.class, 'POLL');
  t.notOk('time' in poll.tpv[0]!, 'POLL repeats the TPV without its time');
  t.equal(poll.tpv[0]!.mode, 3);

  from = since();
  tracker.reset(); // link lost: trust starts again; the first epoch after is not valid yet
  const unproven = new TrustTracker(3).record('valid', fix(3).time, { check: check('unchecked') });
  t.notOk(unproven.timeValid, 'not valid yet (1 of 3)');
  server.publishFix(fix(3), unproven);
  server.publishSky(sky(4));
  await c.waitFor(from + 2);
  t.same(objs(from).map((o) => o.class), ['TPV', 'SKY'], 'not valid yet: no TOFF');
  t.notOk('time' in objs(from)[0]!, 'not valid yet: TPV without time');

  from = since();
  t.ok(publish(4, 'agrees').timeValid, 'trust regained');
  await c.waitFor(from + 3);
  t.same(objs(from).map((o) => o.class), ['TPV', 'TOFF', 'SKY'], 'trusted again: TOFF is back');
  t.match(objs(from)[0], { time: '2024-05-06T07:08:04.000Z' });
  t.match(objs(from)[2], { time: '2024-05-06T07:08:04.000Z' });
  t.equal(server.stats().reportsSent.TOFF, 2, 'exactly the two trusted epochs sent a TOFF');
});

t.test('POLL, DEVICE, DEVICES, VERSION and unknown commands', async (t) => {
  const { server, port } = await start(t);
  const c = await Client.open(port);
  t.teardown(() => c.sock.destroy());
  server.publishFix(fix(1), TRUSTED);
  server.publishSky(sky(4));
  c.sock.write('?POLL;');
  await c.waitFor(2);
  t.match(c.objs[1], { class: 'POLL', active: 0, tpv: [], sky: [] }, 'not pollable before ?WATCH');
  const asked = Date.now();
  c.sock.write('?WATCH={"enable":true};?POLL;?DEVICE;?DEVICES;?VERSION;?FOO;?WATCH={"device":"/dev/other"};?DEVICE={"path":"/dev/other"};');
  await c.waitFor(11);
  const answered = Date.now();
  t.same(c.classes().slice(2), ['DEVICES', 'WATCH', 'POLL', 'DEVICE', 'DEVICES', 'VERSION', 'ERROR', 'ERROR', 'ERROR']);
  const o = c.objs;
  t.match(o[4], { active: 1, tpv: [{ class: 'TPV', time: '2024-05-06T07:08:01.000Z' }], sky: [{ class: 'SKY', nSat: 4 }] });
  const polledAt = Date.parse(String(o[4]!.time));
  t.ok(polledAt >= asked - 1 && polledAt <= answered + 1, 'POLL time is when it was asked (ms resolution), not a fix time or zero');
  t.match(o[8], { message: "Unrecognized request '?FOO;'" });
  t.match(o[9], { message: 'No such device as /dev/other' });
  t.match(o[10], { message: /not found/ });
  t.equal(server.stats().requests.unknown, 1);
  t.equal(server.stats().errorsSent, 3);
});

t.test('garbage and overlong requests get ERROR; the client stays connected', async (t) => {
  const { server, port } = await start(t, { maxRequestBytes: 256 });
  const c = await Client.open(port);
  t.teardown(() => c.sock.destroy());
  c.sock.write('GET / HTTP/1.1\r\n');
  c.sock.write(`?WATCH={"device":"${'z'.repeat(1000)}"};`);
  c.sock.write('?WATCH={"enable":true,"json":"yes"};');
  c.sock.write('?VERSION;');
  await c.waitFor(5);
  t.same(c.classes(), ['VERSION', 'ERROR', 'ERROR', 'ERROR', 'VERSION']);
  t.match(c.objs[1], { message: /^Unrecognized request 'GET/ });
  t.match(c.objs[2], { message: /too long/ });
  t.match(c.objs[3], { message: /^Invalid WATCH/ });
  t.notOk(c.sock.destroyed, 'still connected');
  t.match(server.stats().requests, { garbage: 1, overlong: 1, WATCH: 1, VERSION: 1 });
});

t.test('max clients: the next one gets an ERROR and is closed; counted', async (t) => {
  const { server, port } = await start(t, { maxClients: 2 });
  const a = await Client.open(port);
  const b = await Client.open(port);
  await Promise.all([a.waitFor(1), b.waitFor(1)]);
  const c = await Client.open(port);
  const closed = new Promise((r) => c.sock.once('close', r));
  await c.waitFor(1);
  t.match(c.objs[0], { class: 'ERROR', message: /Too many clients/ });
  await closed;
  t.match(server.stats(), { clients: 2, connections: 2, refused: 1 });
  a.sock.destroy();
  await sleep(50);
  const d = await Client.open(port);
  await d.waitFor(1);
  t.equal(d.objs[0]!.class, 'VERSION', 'a place freed up');
  for (const s of [b, d]) s.sock.destroy();
});

t.test('a slow client loses reports (counted, bounded); a fast one gets them all', async (t) => {
  const bufferBytes = 10_240 * 4;
  const { server, port } = await start(t, { clientBufferBytes: bufferBytes });
  const fast = await Client.open(port);
  const slow = await Client.open(port);
  t.teardown(() => [fast, slow].forEach((c) => c.sock.destroy()));
  for (const c of [fast, slow]) c.sock.write('?WATCH={"enable":true,"json":true};');
  await Promise.all([fast.waitFor(3), slow.waitFor(3)]);
  slow.sock.pause(); // stops reading: the kernel buffers fill, then Node's queue
  const big = sky(40); // ~3.5 kB a report
  const rounds = 400;
  for (let i = 0; i < rounds; i++) {
    for (let k = 0; k < 5; k++) server.publishSky(big);
    await new Promise((r) => setImmediate(r));
    if (i % 20 === 0) await sleep(1);
  }
  await fast.waitFor(3 + rounds * 5, 20_000);
  const s = server.stats();
  t.ok(s.reportsDropped > 0, `reports dropped for the slow client: ${s.reportsDropped}`);
  t.equal(fast.classes().filter((c) => c === 'SKY').length, rounds * 5, 'the fast client got every report');
  t.equal(s.reportsSent.SKY! + s.reportsDropped, rounds * 5 * 2, 'every report either sent or counted as dropped');
});

t.test('size cap: a huge SKY is trimmed to 10,240 bytes, used satellites kept first', async (t) => {
  const { server, port } = await start(t);
  const c = await Client.open(port);
  t.teardown(() => c.sock.destroy());
  c.sock.write('?WATCH={"enable":true,"json":true};');
  await c.waitFor(3);
  server.publishSky(sky(400));
  await c.waitFor(4);
  const line = c.lines[3]!;
  t.ok(Buffer.byteLength(line) + 2 <= 10_240, `SKY line ${Buffer.byteLength(line) + 2} bytes`);
  const r = JSON.parse(line) as { nSat: number; satellites: { used: boolean }[] };
  t.equal(r.nSat, 400, 'the counts still tell the truth');
  t.ok(r.satellites.length > 50 && r.satellites.length < 400);
  t.ok(r.satellites.slice(0, 200).every((s) => s.used), 'the used satellites come first');
  t.equal(server.stats().reportsTrimmed, 1);
  server.publishNmea(`$${'X'.repeat(20_000)}`);
  await sleep(30);
  t.equal(server.stats().reportsTooLarge, 1, 'an NMEA line over the cap is not sent');
});

t.test('close(): clients are disconnected and the port is released', async (t) => {
  const server = new GpsdJsonServer({ listen: '127.0.0.1', port: 0, maxClients: 4, clientBufferBytes: 65_536, rev: 'unit', device: { path: DEVICE } });
  const { port } = await server.listen();
  const c = await Client.open(port);
  const closed = new Promise((r) => c.sock.once('close', r));
  await server.close();
  await closed;
  t.equal(server.stats().listening, false);
  await t.rejects(Client.open(port), 'nothing listens any more');
  server.publishFix(fix(1), TRUSTED); // publishing after close is harmless
});

t.test('a client that watches nothing and says nothing is closed after idleTimeoutMs; watchers and talkers stay', async (t) => {
  const { server, port } = await start(t, { idleTimeoutMs: 300, maxClients: 3 });
  const idle = await Client.open(port);
  const watcher = await Client.open(port);
  const talker = await Client.open(port);
  t.teardown(() => [idle, watcher, talker].forEach((c) => c.sock.destroy()));
  watcher.sock.write('?WATCH={"enable":true};');
  await watcher.waitFor(3);
  const closed = new Promise<void>((r) => idle.sock.once('close', () => r()));
  // The talker keeps sending well inside the timeout; it must outlive the idle client.
  const chatter = setInterval(() => talker.sock.write('?VERSION;'), 100);
  t.teardown(() => clearInterval(chatter));
  await closed;
  t.match(idle.objs.at(-1), { class: 'ERROR', message: /Idle for/ }, 'told why before the close');
  t.notOk(watcher.sock.destroyed, 'a watcher is never idle');
  t.notOk(talker.sock.destroyed, 'a client that keeps asking stays');
  t.equal(server.stats().idleClosed, 1);
  // The freed slot takes a new client (maxClients 3) once the server has seen the close.
  while (server.stats().clients > 2) await sleep(10);
  const next = await Client.open(port);
  t.teardown(() => next.sock.destroy());
  await next.waitFor(1);
  t.match(next.objs[0], { class: 'VERSION' });
});

t.test('a malformed request gets an ERROR at its newline and later requests are answered', async (t) => {
  const { port } = await start(t);
  const c = await Client.open(port);
  t.teardown(() => c.sock.destroy());
  await c.waitFor(1);
  c.sock.write('?WATCH={"enable":true\n');
  await c.waitFor(2);
  t.match(c.objs[1], { class: 'ERROR', message: /Invalid WATCH/ });
  c.sock.write('?VERSION;\n');
  await c.waitFor(3);
  t.match(c.objs[2], { class: 'VERSION' });
});
