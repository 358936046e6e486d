import t from 'tap';
import { ManualClock } from '../../../../src/drivers/clock.js';
import type { LineSample } from '../../../../src/drivers/serial/serial-link.js';
import { LogReplayLink } from '../../../../src/drivers/sim/log-replay-link.js';
import type { LogReplayLinkOptions } from '../../../../src/drivers/sim/log-replay-link.js';
import { epochInterval, lineTimeLabel, splitEpochs } from '../../../../src/drivers/sim/replay-epochs.js';

// Checksums are not checked by the replay (garbage is replayed too), so they are left as is.
const LOG = [
  '# Name: a u-blox 8, 1 Hz',
  '# Submitter: test',
  '$GPTXT,01,01,02,u-blox ag*50',
  '$GNRMC,235958.00,A,4807.03800,N,01131.00000,E,0.0,,311224,,,A*6C',
  '$GNGGA,235958.00,4807.03800,N,01131.00000,E,1,08,0.9,545.4,M,46.9,M,,*4F',
  '$GPGSV,1,1,01,02,67,041,44*4D',
  '',
  '$GNRMC,235959.00,A,4807.03800,N,01131.00000,E,0.0,,311224,,,A*6D\r',
  'garbage \x01\xff',
  '$GNGLL,4807.03800,N,01131.00000,E,235959.00,A,A*70',
  '$GNRMC,000000.00,A,4807.03800,N,01131.00000,E,0.0,,010125,,,A*6E',
  '$GNZDA,000000.00,01,01,2025,00,00*70',
].join('\n');

t.test('splitting a log into epochs where the time label changes', async (t) => {
  const eps = splitEpochs(LOG);
  t.same(
    eps.map((e) => e.lines.map((l) => l.slice(0, 6))),
    [
      ['$GPTXT', '$GNRMC', '$GNGGA', '$GPGSV'],
      ['$GNRMC', 'garbag', '$GNGLL'],
      ['$GNRMC', '$GNZDA'],
    ],
    'headers and empty lines skipped; unlabelled lines stay with their epoch; GLL label at field 5',
  );
  t.same(
    eps.map((e) => e.labelMs),
    [86_398_000, 86_399_000, 0],
  );
  t.equal(eps[1]!.lines[0]!.endsWith('\r'), false, 'CR stripped');
  t.equal(epochInterval(eps[0]!, eps[1]!), 1_000);
  t.equal(epochInterval(eps[1]!, eps[2]!), 1_000, 'across midnight');
  t.equal(lineTimeLabel('$GPRMC,123519.5,A*00'), 45_319_500);
  t.equal(lineTimeLabel('$GPRMC,,V*00'), null, 'an empty time field is no label');
  t.equal(lineTimeLabel('$GPRMC,256199.00,A*00'), null, 'nor is an impossible one');
  t.equal(epochInterval({ lines: [], labelMs: 1000 }, { lines: [], labelMs: 1200 }), 200, '5 Hz');
  t.equal(epochInterval({ lines: [], labelMs: 1000 }, { lines: [], labelMs: 3_601_000 }), 1_000, 'a recording gap');
});

async function started(opts: Omit<LogReplayLinkOptions, 'clock'>) {
  const clock = new ManualClock(1_000_000);
  const link = new LogReplayLink({ clock, ...opts });
  const lines: LineSample[] = [];
  link.on('line', (l) => lines.push(l));
  await link.open();
  return { clock, link, lines };
}

const rmcTimes = (lines: LineSample[]) => lines.filter((l) => l.line.startsWith('$GNRMC')).map((l) => [l.line.slice(7, 13), l.receivedAt]);

t.test('real speed: an epoch a second, all lines of an epoch together', async (t) => {
  const { clock, link, lines } = await started({ text: LOG });
  let ended = false;
  void link.ended().then(() => (ended = true));
  clock.advance(0);
  t.equal(lines.length, 4, 'first epoch at once');
  t.ok(lines.every((l) => l.receivedAt === 1_000_000));
  clock.advance(5_000);
  t.same(rmcTimes(lines), [
    ['235958', 1_000_000],
    ['235959', 1_001_000],
    ['000000', 1_002_000],
  ]);
  await Promise.resolve();
  t.ok(ended, 'ended() after the last epoch');
  t.ok(link.isOpen, 'the link stays open, quiet');
  t.equal(link.epochCount, 3);
});

t.test('speed factor, as-fast-as-possible, and loop', async (t) => {
  const fast = await started({ text: LOG, speed: 10 });
  fast.clock.advance(1_000);
  t.same(
    rmcTimes(fast.lines).map(([, at]) => (at as number) - 1_000_000),
    [0, 100, 200],
  );
  const flat = await started({ text: LOG, speed: Infinity });
  for (let i = 0; i < 3; i++) flat.clock.advance(0);
  t.equal(rmcTimes(flat.lines).length, 3, 'no clock time needed');
  const looped = await started({ text: LOG, loop: true });
  looped.clock.advance(6_500);
  t.same(
    rmcTimes(looped.lines).map(([label]) => label),
    ['235958', '235959', '000000', '235958', '235959', '000000', '235958'],
  );
  t.equal(looped.link.loopCount, 2);
});

t.test('a 5 Hz log replays at 5 Hz', async (t) => {
  const text = [0, 2, 4, 6].map((c) => `$GPRMC,120000.${c}0,A*00\n$GPGSA,A,3*00`).join('\n');
  const { clock, lines } = await started({ text });
  clock.advance(1_000);
  t.same(
    lines.filter((l) => l.line.startsWith('$GPRMC')).map((l) => l.receivedAt - 1_000_000),
    [0, 200, 400, 600],
  );
});

t.test('close, reopen from file, and a missing file', async (t) => {
  const dir = t.testdir({ 'log.nmea': LOG });
  const { clock, link, lines } = await started({ file: `${dir}/log.nmea` });
  t.equal(link.path, `${dir}/log.nmea`);
  const closes: (Error | null)[] = [];
  link.on('close', (e) => closes.push(e));
  clock.advance(1_500);
  await link.close();
  clock.advance(5_000);
  t.equal(rmcTimes(lines).length, 2);
  t.same(closes, [null]);
  await link.open();
  clock.advance(0);
  t.equal(rmcTimes(lines).at(-1)?.[0], '235958', 'reopening starts from the top');
  const missing = new LogReplayLink({ file: `${dir}/nope.nmea` });
  await t.rejects(missing.open(), { message: new RegExp(`cannot read NMEA log ${dir}/nope.nmea: ENOENT`) });
  t.throws(() => new LogReplayLink({}), TypeError);
  t.throws(() => new LogReplayLink({ text: '', speed: 0 }), RangeError);
});
