import t from 'tap';
import { applyWatch, DEFAULT_WATCH, wants } from '../../../../src/daemon/exports/watch-policy.js';

t.test('attributes left out keep their value; a bare ?WATCH reports the policy', async (t) => {
  const a = applyWatch(DEFAULT_WATCH, '{"enable":true,"json":true}');
  t.ok(a.ok);
  if (!a.ok) return;
  t.match(a.policy, { enable: true, json: true, nmea: false, raw: 0, pps: false, device: null });
  const b = applyWatch(a.policy, '{"nmea":true}');
  t.match(b, { ok: true, policy: { enable: true, json: true, nmea: true } });
  t.same(applyWatch(a.policy, null), { ok: true, policy: a.policy });
  t.match(applyWatch(a.policy, '{"enable":false}'), { ok: true, policy: { enable: false, json: true } });
});

t.test('raw levels, device, unknown attributes', async (t) => {
  t.match(applyWatch(DEFAULT_WATCH, '{"enable":true,"raw":2}'), { ok: true, policy: { raw: 2 } });
  t.match(applyWatch(DEFAULT_WATCH, '{"raw":true}'), { ok: true, policy: { raw: 1 } });
  t.match(applyWatch(DEFAULT_WATCH, '{"device":"/dev/ttyS0"}'), { ok: true, policy: { device: '/dev/ttyS0' } });
  t.match(applyWatch(DEFAULT_WATCH, '{"enable":true,"future":1,"timing":true}'), { ok: true, policy: { enable: true, timing: true } });
});

t.test('bad WATCH arguments are refused whole', async (t) => {
  for (const bad of ['{bad', '[1]', '"x"', 'null', '{"json":"yes"}', '{"raw":3}', '{"device":5}', '{"class":"POLL"}', '{"enable":true,"pps":1}']) {
    const r = applyWatch(DEFAULT_WATCH, bad);
    t.equal(r.ok, false, `${bad} refused`);
    if (!r.ok) t.match(r.message, /^Invalid WATCH: /);
  }
});

t.test('wants: enable gates everything; nmea or raw for lines; device filter', async (t) => {
  const p = { ...DEFAULT_WATCH, json: true, nmea: true, pps: true };
  t.notOk(wants(p, '/dev/a', 'json'), 'not enabled');
  const on = { ...p, enable: true };
  t.ok(wants(on, '/dev/a', 'json') && wants(on, '/dev/a', 'nmea') && wants(on, '/dev/a', 'pps'));
  t.ok(wants({ ...DEFAULT_WATCH, enable: true, raw: 2 }, '/dev/a', 'nmea'), 'raw 2 streams lines');
  t.notOk(wants({ ...DEFAULT_WATCH, enable: true }, '/dev/a', 'json'), 'enable alone streams nothing (as gpsd)');
  t.notOk(wants({ ...on, device: '/dev/b' }, '/dev/a', 'json'), 'another device');
});
