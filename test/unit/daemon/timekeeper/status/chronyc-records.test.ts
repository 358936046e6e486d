import { readFileSync } from 'node:fs';
import t from 'tap';
import { parseSourcesCsv, parseSourceStatsCsv, parseTrackingCsv, questionState } from '../../../../../src/daemon/timekeeper/status/chronyc-records.js';
import { parseChronycBatch } from '../../../../../src/daemon/timekeeper/status/chronyc-client.js';

// Real output of chrony 4.3's chronyc against private `chronyd -x` runs (fixtures/capture-chrony.sh).
const fx = (name: string): string => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');
const ok = <T>(r: { ok: true; value: T } | { ok: false; error: string }): T => {
  if (!r.ok) throw new Error(`expected a parse, got: ${r.error}`);
  return r.value;
};

t.test('tracking: synchronised to a server, every field typed', async (t) => {
  const tr = ok(parseTrackingCsv(fx('nmea-late-no-pps.tracking.csv')));
  t.equal(tr.refIdHex, '7F000001');
  t.equal(tr.refName, '127.0.0.1');
  t.equal(tr.stratum, 9);
  t.equal(tr.refTimeS, 1795320620.225867024);
  t.equal(tr.systemTimeS, -0.000001994);
  t.equal(tr.lastOffsetS, 0.000000061);
  t.equal(tr.rmsOffsetS, 0.000000158);
  t.equal(tr.frequencyPpm, -0.024);
  t.equal(tr.residualFrequencyPpm, 0.002);
  t.equal(tr.skewPpm, 0.111);
  t.equal(tr.rootDelayS, 0.000007048);
  t.equal(tr.rootDispersionS, 0.000001321);
  t.equal(tr.updateIntervalS, 1);
  t.equal(tr.leap, 'normal');
});

t.test('tracking: never synchronised has no name and no reference time', async (t) => {
  const tr = ok(parseTrackingCsv(fx('no-sources.tracking.csv')));
  t.equal(tr.refName, null);
  t.equal(tr.refTimeS, null);
  t.equal(tr.leap, 'unsynchronised');
  t.equal(tr.stratum, 0);
});

t.test('tracking: a refclock reference decodes its refid', async (t) => {
  const tr = ok(parseTrackingCsv(fx('pps-locked.tracking.csv')));
  t.equal(tr.refIdHex, '50505300'); // "PPS\0"
  t.equal(tr.refName, 'PPS');
  t.equal(tr.stratum, 1);
});

t.test('sources: modes, states, octal reach, never-reached sources and IPv6 names', async (t) => {
  const s = ok(parseSourcesCsv(fx('nmea-late-no-pps.sources.csv')));
  t.equal(s.length, 5);
  // `?` with samples arriving (reach 104): not selectable (noselect here), not unreachable.
  t.same(s[0], { mode: 'refclock', state: 'not selectable', name: 'NMEA', stratum: 0, pollLog2: 0, reach: 0o104, lastRxS: 4, adjustedOffsetS: 0.499997914, measuredOffsetS: 0.499998033, errorS: 0.100000031 });
  t.same(s[1], { mode: 'refclock', state: 'unreachable', name: 'PPS', stratum: 0, pollLog2: 0, reach: 0, lastRxS: null, adjustedOffsetS: 0, measuredOffsetS: 0, errorS: 0 });
  t.match(s[2], { mode: 'server', state: 'selected', name: '127.0.0.1', stratum: 8, reach: 255, lastRxS: 0 });
  t.match(s[4], { mode: 'server', state: 'unreachable', name: '2001:db8::1', pollLog2: 10, reach: 0, lastRxS: null });
});

t.test('sources: falsetickers and a selected refclock', async (t) => {
  const mixed = ok(parseSourcesCsv(fx('mixed-after-fix.sources.csv')));
  t.same(mixed.map((x) => `${x.name}:${x.state}`), ['NMEA:not selectable', 'PPS:falseticker', '127.0.0.1:falseticker', '192.0.2.1:unreachable', '2001:db8::1:unreachable']);
  const locked = ok(parseSourcesCsv(fx('pps-locked.sources.csv')));
  t.match(locked[1], { mode: 'refclock', name: 'PPS', state: 'selected', reach: 0o104 });
});

t.test('sources and sourcestats: no sources is an empty list', async (t) => {
  t.same(ok(parseSourcesCsv(fx('no-sources.sources.csv'))), []);
  t.same(ok(parseSourceStatsCsv(fx('no-sources.sourcestats.csv'))), []);
});

t.test('sourcestats: every field typed', async (t) => {
  const st = ok(parseSourceStatsCsv(fx('pps-locked.sourcestats.csv')));
  t.same(st[1], { name: 'PPS', samples: 3, runs: 3, spanS: 9, frequencyPpm: -8.881, frequencySkewPpm: 3447.713, offsetS: -0.000023347, stdDevS: 0.000013311 });
  t.match(st[2], { name: '192.0.2.1', samples: 0, stdDevS: 4 });
});

t.test('the CSV agrees with chronyc\'s own human output of the same chronyd', async (t) => {
  // The .txt files were taken by a second chronyc call moments later: names, modes, states,
  // stratum, poll and reach of stable sources must agree, column for column.
  for (const scene of ['fresh', 'nmea-late-no-pps', 'pps-locked', 'mixed-after-fix']) {
    const csv = ok(parseSourcesCsv(fx(`${scene}.sources.csv`)));
    const human = fx(`${scene}.sources.txt`).split('\n').slice(2).filter((l) => l.trim() !== '');
    t.equal(human.length, csv.length, `${scene}: same number of sources`);
    human.forEach((line, i) => {
      const [ms, name, stratum, poll] = line.split(/\s+/);
      const rec = csv[i]!;
      t.equal(name, rec.name, `${scene}: name ${i}`);
      t.equal(ms![0], { server: '^', peer: '=', refclock: '#' }[rec.mode], `${scene}: mode of ${rec.name}`);
      t.equal(Number(stratum), rec.stratum, `${scene}: stratum of ${rec.name}`);
      t.equal(Number(poll), rec.pollLog2, `${scene}: poll of ${rec.name}`);
    });
  }
});

t.test('tracking signs agree with chronyc\'s human words for the same moment', async (t) => {
  const tr = ok(parseTrackingCsv(fx('nmea-late-no-pps.tracking.csv')));
  const human = fx('nmea-late-no-pps.tracking.txt');
  const sys = /System time\s+: ([\d.]+) seconds (fast|slow) of NTP time/.exec(human)!;
  t.equal(tr.systemTimeS, sys[2] === 'slow' ? Number(sys[1]) : -Number(sys[1]));
  const freq = /Frequency\s+: ([\d.]+) ppm (fast|slow)/.exec(human)!;
  t.equal(tr.frequencyPpm, freq[2] === 'fast' ? Number(freq[1]) : -Number(freq[1]));
});

t.test('malformed output is an error value, never a throw', async (t) => {
  const bad: Array<[string, RegExp]> = [
    ['', /expected one CSV line, got 0/],
    ['7F000001,x,1', /expected 14 comma-separated fields, got 3/],
    ['ZZ000001,,0,0,0,0,0,0,0,0,1,1,0,Normal', /not 8 hex digits/],
    ['7F000001,,zero,0,0,0,0,0,0,0,1,1,0,Normal', /stratum is not an integer: zero/],
    ['7F000001,,0,0,0,0,0,0,0,0,1,1,0,Sideways', /unknown leap status "Sideways"/],
    ['7F000001,,0,0,NaN,0,0,0,0,0,1,1,0,Normal', /system time is not a number/],
  ];
  for (const [input, msg] of bad) {
    const r = parseTrackingCsv(input);
    t.notOk(r.ok, input);
    if (!r.ok) t.match(r.error, msg, input);
  }
  const src = (line: string): string => {
    const r = parseSourcesCsv(line);
    return r.ok ? 'ok' : r.error;
  };
  t.match(src('^,*,1.2.3.4,2,6,377,12,0.1,0.1'), /expected 10 .* got 9/);
  t.match(src('!,*,1.2.3.4,2,6,377,12,0.1,0.1,0.01'), /unknown source mode "!"/);
  t.match(src('^,%,1.2.3.4,2,6,377,12,0.1,0.1,0.01'), /unknown source state "%"/);
  t.match(src('^,*,1.2.3.4,2,6,389,12,0.1,0.1,0.01'), /reach is not an octal register: 389/);
  t.match(src('^,*,,2,6,377,12,0.1,0.1,0.01'), /empty source name/);
  t.match(src('^,*,1.2.3.4,2,6,377,12,0.1,0.1,0.01\ngarbage'), /sources line 2/);
});

t.test('a batch run splits the three reports by width and rejects strays', async (t) => {
  const out = [fx('nmea-late-no-pps.tracking.csv'), fx('nmea-late-no-pps.sources.csv'), fx('nmea-late-no-pps.sourcestats.csv')].join('');
  const r = ok(parseChronycBatch(out));
  t.equal(r.synced, true);
  t.equal(r.sources.length, 5);
  t.equal(r.sources[2]!.stdDevS, 0.000000454); // joined from sourcestats by name
  t.equal(r.sources[1]!.stdDevS, null, 'no samples: chrony\'s 4 s placeholder is not a deviation');
  t.equal(r.sources[1]!.offsetS, null, 'never sampled: the zeros are not an offset');
  t.equal(r.tracking.systemOffsetS, 0.000001994, 'chronyc "fast of NTP time" is a positive system offset');
  const stray = parseChronycBatch(`${out}506 Cannot talk to daemon\n`);
  t.notOk(stray.ok);
  t.notOk(parseChronycBatch(fx('no-sources.sources.csv')).ok, 'no tracking line is an error');
  const local = ok(parseChronycBatch('7F7F0101,,10,1795320620.2,0,0,0,0,0,0,0,0,1.0,Normal\n'));
  t.equal(local.synced, false, 'serving from `local stratum` only is not synchronised');
  t.equal(local.tracking.refId, '7F7F0101');
});

t.test('`?` is "unreachable" only with an empty reach register (chronyc(1): not selectable for other reasons)', async (t) => {
  const line = (reach: string) => `#,?,NMEA,0,0,${reach},1,0.001,0.001,0.1\n`;
  t.equal(ok(parseSourcesCsv(line('7')))[0]!.state, 'not selectable', 'reach 7: three samples in, too few to select yet');
  t.equal(ok(parseSourcesCsv(line('377')))[0]!.state, 'not selectable', 'reach 377 (e.g. noselect)');
  t.equal(ok(parseSourcesCsv(line('0')))[0]!.state, 'unreachable');
  t.equal(questionState('selected', 0), 'selected', 'other states are left alone');
});
