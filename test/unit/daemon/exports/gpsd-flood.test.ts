import { connect, type Socket } from 'node:net';
import t from 'tap';
import type { Fix, Sky } from '../../../../src/daemon/core/fix.js';
import { GpsdJsonServer } from '../../../../src/daemon/exports/gpsd-json-server.js';

/*
 * One client writes 100,000 `?POLL;` in one go. The server answers it a slice per event-loop
 * turn, so the rest of the process keeps running between slices (timers fire, other clients
 * are answered) and replies are only built as fast as the flooding client reads them.
 * Behaviour, not time, is asserted.
 */
const fix: Fix = {
  time: { year: 2026, month: 5, day: 6, hour: 7, minute: 8, second: 9, millis: 0 },
  mode: 3, status: null, leapSeconds: null, lat: 48.1, lon: 11.5, altHAE: 592.3, altMSL: 545.4, geoidSep: 46.9,
  speed: 0, track: null, magvar: null, climb: null, eph: null, epv: null, receivedAt: Date.UTC(2026, 4, 6, 7, 8, 9, 135), sentences: ['RMC', 'GGA'],
};
const sky: Sky = { time: null, nSat: 12, uSat: 8, hdop: 0.9, pdop: 1.5, vdop: 1.2, satellites: [] };

async function open(port: number): Promise<Socket> {
  const s = connect(port, '127.0.0.1');
  await new Promise((r, j) => s.once('connect', r).once('error', j));
  return s;
}

t.test('100k ?POLL; in one write: answered in slices, other clients and timers run in between', async (t) => {
  const server = new GpsdJsonServer({ listen: '127.0.0.1', port: 0, maxClients: 4, clientBufferBytes: 256 * 1024, rev: 'test', device: { path: '/dev/ttyT', driver: 'NMEA0183', activated: 1, bps: 9600 } as never });
  const { port } = await server.listen();
  t.teardown(() => server.close());
  server.publishFix(fix, { timeValid: true });
  server.publishSky(sky);

  const flooder = await open(port);
  let polls = 0;
  let buf = '';
  flooder.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      if (buf.startsWith('{"class":"POLL"')) polls++;
      buf = buf.slice(i + 1);
    }
  });
  const other = await open(port);
  let otherAnswered = -1;
  let versions = 0;
  other.setEncoding('utf8').on('data', (d: string) => {
    versions += d.split('"class":"VERSION"').length - 1;
    // The first VERSION is the greeting; the second answers our ?VERSION;.
    if (versions >= 2 && otherAnswered < 0) otherAnswered = polls;
  });
  await new Promise((r) => setTimeout(r, 50));

  let timerTicksDuringFlood = 0;
  const ticker = setInterval(() => {
    if (polls > 0 && polls < 100_000) timerTicksDuringFlood++;
  }, 1);
  t.teardown(() => clearInterval(ticker));

  flooder.write('?POLL;'.repeat(100_000));
  // Ask from the other client once the flood is being answered.
  while (polls < 100) await new Promise((r) => setImmediate(r));
  other.write('?VERSION;');
  while (polls < 100_000) {
    await new Promise((r) => setTimeout(r, 20));
    if (flooder.destroyed) break;
  }
  t.equal(polls, 100_000, 'every POLL answered, in the end');
  t.ok(otherAnswered >= 0 && otherAnswered < 100_000, `the other client was answered while the flood was still being served (after ${otherAnswered} POLL replies)`);
  t.ok(timerTicksDuringFlood > 0, `timers ran between slices (${timerTicksDuringFlood} ticks)`);
  const st = server.stats();
  t.ok(st.deferredTurns > 1000, `work spread over turns (${st.deferredTurns} slices left work for a later turn)`);
  t.equal(st.requests.POLL, 100_000);
  flooder.destroy();
  other.destroy();
});

t.test('a flooding client that does not read: replies are not built beyond its buffer, nothing dropped for others', async (t) => {
  const server = new GpsdJsonServer({ listen: '127.0.0.1', port: 0, maxClients: 4, clientBufferBytes: 64 * 1024, rev: 'test', device: { path: '/dev/ttyT', driver: 'NMEA0183', activated: 1, bps: 9600 } as never });
  const { port } = await server.listen();
  t.teardown(() => server.close());
  server.publishFix(fix, { timeValid: true });
  const flooder = await open(port);
  flooder.pause(); // never reads
  flooder.write('?POLL;'.repeat(100_000));
  // Until the kernel's socket buffers are full the replies flow; then the server must stop.
  let last = -1;
  await (async () => {
    for (let i = 0; i < 100; i++) {
      await new Promise((r) => setTimeout(r, 200));
      const n = server.stats().requests.POLL ?? 0;
      if (n === last) return;
      last = n;
    }
  })();
  const st = server.stats();
  t.ok((st.requests.POLL ?? 0) < 100_000, `only ${st.requests.POLL} of 100000 answered while the client reads nothing`);
  t.ok(st.outputWaits > 0, 'the server waits for the client to read');
  const other = await open(port);
  const got = await new Promise<string>((r) => other.setEncoding('utf8').once('data', r));
  t.match(got, /"class":"VERSION"/, 'a new client is still greeted');
  flooder.destroy();
  other.destroy();
});
