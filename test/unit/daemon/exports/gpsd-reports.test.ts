import t from 'tap';
import { deviceReport, encodeReport, msToTimePair, watchReport } from '../../../../src/daemon/exports/gpsd-reports.js';
import { DEFAULT_WATCH } from '../../../../src/daemon/exports/watch-policy.js';

t.test('encodeReport: CRLF lines within the cap; what cannot be trimmed is refused', async (t) => {
  t.same(encodeReport({ class: 'VERSION' }), { line: '{"class":"VERSION"}\r\n', trimmed: false });
  t.equal(encodeReport({ class: 'ERROR', message: 'x'.repeat(20_000) }), null, 'a non-SKY report over the cap is not cut');
  const sats = Array.from({ length: 100 }, (_, i) => ({ PRN: i, used: i >= 50 }));
  const e = encodeReport({ class: 'SKY', satellites: sats }, 600);
  t.ok(e && e.trimmed && Buffer.byteLength(e.line) <= 600);
  const kept = (JSON.parse(e!.line) as { satellites: { used: boolean }[] }).satellites;
  t.ok(kept.length > 5 && kept.every((s) => s.used), 'used satellites are kept first');
  t.equal(encodeReport({ class: 'SKY', note: 'y'.repeat(700), satellites: sats }, 600), null, 'still too big with no satellites');
});

t.test('device, watch and time pairs as gpsd prints them', async (t) => {
  t.same(deviceReport({ path: '/dev/a', activatedAt: Date.UTC(2024, 0, 1), bps: 115200, cycleS: 1 }, true), {
    class: 'DEVICE', path: '/dev/a', driver: 'NMEA0183', activated: '2024-01-01T00:00:00.000Z', flags: 1, native: 0, bps: 115200, parity: 'N', stopbits: 1, cycle: 1,
  });
  t.same(deviceReport({ path: 'simulator' }, false), { class: 'DEVICE', path: 'simulator', driver: 'NMEA0183', flags: 0, native: 0 });
  t.same(Object.keys(watchReport(DEFAULT_WATCH)), ['class', 'enable', 'json', 'nmea', 'raw', 'scaled', 'timing', 'split24', 'pps']);
  t.match(watchReport({ ...DEFAULT_WATCH, device: '/dev/a' }), { device: '/dev/a' });
  t.same(msToTimePair(1_700_000_000_135), { sec: 1_700_000_000, nsec: 135_000_000 });
  t.same(msToTimePair(-1), { sec: -1, nsec: 999_000_000 });
});
