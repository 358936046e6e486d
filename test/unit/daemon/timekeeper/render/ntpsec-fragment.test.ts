import t from 'tap';
import { renderNtpsecFragment } from '../../../../../src/daemon/timekeeper/render/ntpsec-fragment.js';
import { cfg, facts, golden } from './render-fixtures.js';

const cases = [
  { name: 'ntpsec-shm-kernel-pps.conf', config: cfg({ kind: 'ntpsec' }), facts: facts() },
  { name: 'ntpsec-shm-no-pps.conf', config: cfg({ kind: 'ntpsec', pps: { kind: 'none' }, ntpsec: { shmUnit: 3 } }), facts: facts() },
  {
    name: 'ntpsec-gpsd.conf',
    config: cfg({ kind: 'ntpsec', ntpsec: { driver: 'gpsd' }, pps: { device: '/dev/pps2' } }),
    facts: facts({ present: ['/dev/gps0', '/dev/pps2'] }),
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const r = renderNtpsecFragment(c.config, c.facts);
    t.equal(r.text, golden(c.name, r.text));
  });
}

t.test('shm: the NMEA source is the prefer peer the PPS driver needs', async (t) => {
  const r = renderNtpsecFragment(cfg({ kind: 'ntpsec' }), facts());
  t.match(r.text, /^refclock shm unit 2 refid GPS time1 0 minpoll 4 maxpoll 4 prefer$/m);
  t.match(r.text, /label delay, 0\.135 s/);
  t.match(r.text, /^refclock pps unit 0 refid PPS minpoll 4 maxpoll 4$/m);
  t.same(r.notes.filter((n) => n.level === 'warn'), []);
});

t.test('a PPS device outside /dev/ppsN is named with path', async (t) => {
  const r = renderNtpsecFragment(cfg({ kind: 'ntpsec', pps: { device: '/dev/gps-pps' } }), facts({ present: ['/dev/gps-pps'] }));
  t.match(r.text, /^refclock pps unit 0 path \/dev\/gps-pps refid PPS/m);
});

t.test('missing devices are never written', async (t) => {
  const r = renderNtpsecFragment(cfg({ kind: 'ntpsec', ntpsec: { driver: 'gpsd' } }), facts({ present: [] }));
  t.notMatch(r.text, /^refclock/m);
  const msgs = r.notes.map((n) => n.message).join('\n');
  t.match(msgs, /\/dev\/gps0 does not exist/);
  t.match(msgs, /\/dev\/pps0 does not exist/);
});

t.test('gpsd driver: warns when the JSON server is not where ntpd looks', async (t) => {
  const r = renderNtpsecFragment(cfg({ kind: 'ntpsec', ntpsec: { driver: 'gpsd' } }, { gpsd: { port: 2948 } }), facts({ present: ['/dev/gps0'] }));
  t.match(r.notes.map((n) => n.message).join('\n'), /port 2947/);
});

t.test('GPIO PPS cannot reach ntpd: said, not silently dropped', async (t) => {
  const r = renderNtpsecFragment(cfg({ kind: 'ntpsec', pps: { kind: 'gpio' } }), facts());
  t.notMatch(r.text, /refclock pps/);
  t.match(r.notes[0]?.message, /GPIO/);
});

t.test('root-only SHM units are flagged', async (t) => {
  const r = renderNtpsecFragment(cfg({ kind: 'ntpsec', ntpsec: { shmUnit: 0 } }), facts());
  t.match(r.notes[0]?.message, /root-only/);
});
