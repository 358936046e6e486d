import t from 'tap';
import { readStoredOffset } from '../../../../../src/daemon/timekeeper/apply/nmea-offset-file.js';

t.test('reads the calibrator\'s file defensively', async (t) => {
  const dir = t.testdir({
    good: { 'nmea-offset.json': '{"valueS":0.142,"samples":128,"spreadS":0.0031}' },
    minimal: { 'nmea-offset.json': '{"valueS":-0.01}' },
    huge: { 'nmea-offset.json': '{"valueS":12}' },
    text: { 'nmea-offset.json': '{"valueS":"0.1"}' },
    trunc: { 'nmea-offset.json': '{"valu' },
    arr: { 'nmea-offset.json': 'null' },
    empty: {},
  });
  t.match(await readStoredOffset(`${dir}/good`), { kind: 'ok', valueS: 0.142, samples: 128, spreadS: 0.0031 });
  t.match(await readStoredOffset(`${dir}/minimal`), { kind: 'ok', valueS: -0.01, samples: null, spreadS: null });
  t.match(await readStoredOffset(`${dir}/huge`), { kind: 'unusable', reason: /within \+-1 s/ });
  t.match(await readStoredOffset(`${dir}/text`), { kind: 'unusable' });
  t.match(await readStoredOffset(`${dir}/trunc`), { kind: 'unusable', reason: 'not valid JSON' });
  t.match(await readStoredOffset(`${dir}/arr`), { kind: 'unusable' });
  t.match(await readStoredOffset(`${dir}/empty`), { kind: 'absent' });
  t.match(await readStoredOffset(`${dir}/missing-dir`), { kind: 'absent' });
});
