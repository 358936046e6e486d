import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { cliIo } from '../../helpers/cli-io.js';
import { runConfigRender } from '../../../src/cli/config-render.js';
import { UsageError } from '../../../src/cli/flags.js';

const io = cliIo;

function configIn(dir: string, extra = ''): string {
  const f = join(dir, 'c.yaml');
  writeFileSync(f, `paths:\n  stateDir: ${dir}/state\ntimekeeper:\n  pps:\n    device: /dev/pps-absent-for-test\n${extra}`);
  return f;
}

t.test('renders chrony with the calibrated offset from the state dir, no daemon needed', async (t) => {
  const dir = t.testdir({ state: { 'nmea-offset.json': JSON.stringify({ valueS: 0.187, samples: 64, spreadS: 0.002 }) } });
  const x = io();
  t.equal(await runConfigRender(['--chrony', '--config', configIn(dir)], x), 0, x.err());
  t.match(x.out(), /delay after the second, 0\.187 s \(calibrated/);
  t.match(x.out(), /refid NMEA offset 0 delay 0\.2/);
  t.match(x.out(), /calibrated \(64 samples, spread 0\.002 s\)/);
  t.match(x.out(), new RegExp(`from ${dir}/c\\.yaml\\.`));
  t.match(x.err(), /pps-absent-for-test does not exist/, 'dropped refclocks are explained on stderr');
});

t.test('--offset wins; a corrupt calibration file is ignored and reported', async (t) => {
  const dir = t.testdir({ state: { 'nmea-offset.json': '{"valueS": "fast"' } });
  const a = io();
  t.equal(await runConfigRender(['--chrony', '--config', configIn(dir)], a), 0);
  t.match(a.err(), /ignored .*nmea-offset\.json: not valid JSON/);
  t.match(a.out(), /offset 0 delay 0\.2/, 'falls back to timekeeper.nmeaOffset.initialS');
  const b = io();
  t.equal(await runConfigRender(['--chrony', '--config', configIn(dir), '--offset', '-0.05'], b), 0);
  t.match(b.out(), /delay after the second, -0\.05 s/);
  t.match(b.out(), /given with --offset/);
});

t.test('--ntpsec renders the ntp.conf fragment', async (t) => {
  const dir = t.testdir({});
  const x = io();
  t.equal(await runConfigRender(['--ntpsec', '--config', configIn(dir), '--offset', '0.1'], x), 0);
  t.match(x.out(), /^refclock shm unit 2 refid GPS time1 0 minpoll 4 maxpoll 4 prefer$/m);
  t.match(x.out(), /label delay, 0\.1 s \(given with --offset\)/);
});

t.test('rtcsync only when the daemon does not drive the RTC chip itself', async (t) => {
  for (const [model, rtcsync] of [['ds3231', false], ['pcf8523', false], ['kernel', true], ['none', true]] as const) {
    const dir = t.testdir({});
    const x = io();
    t.equal(await runConfigRender(['--chrony', '--config', configIn(dir, `rtc:\n  model: ${model}\n`), '--offset', '0.1'], x), 0, x.err());
    if (rtcsync) t.match(x.out(), /^rtcsync$/m, `rtc.model ${model}: the kernel keeps the RTC`);
    else t.notMatch(x.out(), /^rtcsync$/m, `rtc.model ${model}: the daemon writes the chip; chrony must not`);
  }
});

t.test('usage and config errors', async (t) => {
  const dir = t.testdir({});
  for (const argv of [['--chrony', '--ntpsec'], ['--offset', 'soon'], ['--offset', '3'], ['extra']]) {
    const err = await runConfigRender(argv, io()).then(
      () => null,
      (e: unknown) => e,
    );
    t.ok(err instanceof UsageError, `${argv.join(' ')}: ${String(err)}`);
  }
  const x = io();
  t.equal(await runConfigRender(['--config', configIn(dir, '  kindd: chrony\n')], x), 78);
  t.match(x.err(), /kindd: unknown key/);
});
