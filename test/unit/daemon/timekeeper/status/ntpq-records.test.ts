import { readFileSync } from 'node:fs';
import t from 'tap';
import { timekeeperSchema } from '../../../../../src/config/sections/timekeeper.js';
import { ManualClock } from '../../../../../src/drivers/clock.js';
import { ApplianceStore, initialState } from '../../../../../src/daemon/core/appliance-state.js';
import { createLogger } from '../../../../../src/daemon/logger.js';
import type { CommandResult, RunCommand } from '../../../../../src/daemon/timekeeper/status/command-runner.js';
import { NtpqClient, ntpsecReading, parseNtpqBatch, refIdHex } from '../../../../../src/daemon/timekeeper/status/ntpq-client.js';
import { parsePeers, parseReadvar } from '../../../../../src/daemon/timekeeper/status/ntpq-records.js';
import { refclocksFor, statusReaderFor } from '../../../../../src/daemon/timekeeper/status/status-from-config.js';
import { TimekeeperStatusService } from '../../../../../src/daemon/timekeeper/status/timekeeper-status-service.js';

/* Real ntpsec 1.2.2 output, captured by fixtures/ntpq/capture-ntpq.sh from private ntpds. */
const fx = (name: string): string => readFileSync(new URL(`fixtures/ntpq/${name}`, import.meta.url), 'utf8');
const captured = (scene: string): CommandResult => ({ ok: true, stdout: fx(`${scene}.stdout`), stderr: fx(`${scene}.stderr`) });
function reading(scene: string) {
  const b = parseNtpqBatch(fx(`${scene}.stdout`));
  if (!b.ok) throw new Error(`${scene}: ${b.error}`);
  return { batch: b.value, reading: ntpsecReading(b.value.system, b.value.peers) };
}

t.test('SHM refclocks fed: selected, combined, falseticker; unreachable servers', async (t) => {
  const { batch, reading: r } = reading('shm-selected');
  t.same(batch.system, { leap: 'normal', stratum: 1, refId: 'GPS', offsetMs: 0, frequencyPpm: 0, clockWanderPpm: 0, rootDelayMs: 0, rootDispersionMs: 937.521 });
  t.equal(r.synced, true);
  t.same(r.tracking, { refId: '47505300', refName: 'GPS', stratum: 1, systemOffsetS: 0, rootDelayS: 0, rootDispersionS: 0.937521, frequencyPpm: 0, skewPpm: 0, leap: 'normal' });
  t.same(r.sources.map((s) => [s.name, s.kind, s.state, s.stratum, s.reach, s.lastSampleAgoS]), [
    ['GPS', 'refclock', 'selected', 0, 0o17, 0], // `when` is `-` for a sample under a second old
    ['GPS2', 'refclock', 'combined', 0, 0o7, 1],
    ['BAD', 'refclock', 'falseticker', 0, 0o7, 0],
    ['192.0.2.1', 'server', 'unreachable', 16, 0, null],
    ['2001:db8:ffff:1234:5678:9abc:def0:1', 'server', 'unreachable', 16, 0, null], // -w: whole, on its own line
  ]);
  // The feeders put GPS2 0.2 ms and BAD 300 ms ahead of the system clock; ntpq prints them as
  // positive (source minus local), the normalised offset is chrony's sign: local minus source.
  const [gps, gps2, bad, v4] = r.sources;
  t.equal(batch.peers[1]!.offsetMs, 0.2);
  t.equal(gps2!.offsetS, -0.0002);
  t.equal(bad!.offsetS, -0.3);
  t.equal(gps!.offsetS, 0);
  t.equal(gps!.errorS, null, 'ntpq gives no error bound');
  t.equal(v4!.offsetS, null, 'a server that never answered has no offset, not 0');
  t.equal(v4!.stdDevS, null);
  t.equal(batch.peers[3]!.pollS, 64);
  t.equal(batch.peers[0]!.type, 'refclock');
  t.equal(batch.peers[0]!.remote, 'SHM(151)');
});

t.test('the records agree with what `ntpq -p` shows a person', async (t) => {
  for (const scene of ['shm-selected', 'no-refclock', 'just-started']) {
    const rows = fx(`${scene}.peers.txt`).split('\n').slice(2).filter((l) => l.trim() !== '');
    const { batch } = reading(scene);
    t.equal(rows.length, batch.peers.length, `${scene}: one record per row`);
    rows.forEach((row, i) => {
      const p = batch.peers[i]!;
      const [name, refid, st, type, , poll, reach, , offset] = row.slice(1).trim().split(/\s+/);
      t.ok(p.remote.startsWith(name!), `${p.remote} (truncated to ${name} without -w)`);
      t.equal(`.${p.refId}.`, refid);
      t.equal(p.stratum, Number(st));
      t.equal(p.type === 'refclock' ? 'l' : 'u', type);
      t.equal(p.pollS, Number(poll));
      t.equal(p.reach.toString(8), reach);
      t.equal(p.offsetMs, Number(offset));
      t.equal({ ' ': 'reject', '*': 'sys.peer', '+': 'candidate', x: 'falseticker' }[row[0]!], p.tally);
    });
  }
});

t.test('just started: unsynchronised, the refclock not reached yet', async (t) => {
  const { reading: r } = reading('just-started');
  t.equal(r.synced, false);
  t.same(r.tracking, { refId: null, refName: null, stratum: 16, systemOffsetS: 0, rootDelayS: 0, rootDispersionS: 0, frequencyPpm: 0, skewPpm: 0, leap: 'unsynchronised' });
  t.same(r.sources, [{ name: 'GPS', kind: 'refclock', state: 'unreachable', stratum: 0, reach: 0, lastSampleAgoS: null, offsetS: null, errorS: null, stdDevS: null }]);
});

t.test('no refclock, and no associations at all', async (t) => {
  const a = reading('no-refclock').reading;
  t.equal(a.synced, false);
  t.same(a.sources.map((s) => [s.name, s.kind, s.state]), [['192.0.2.1', 'server', 'unreachable'], ['2001:db8:ffff:1234:5678:9abc:def0:1', 'server', 'unreachable']]);
  const b = reading('no-associations');
  t.same(b.batch.peers, []);
  t.equal(b.batch.system.refId, 'INIT');
  t.equal(b.reading.synced, false);
});

t.test('ntpd stopped, or silent: a clear error, never a throw', async (t) => {
  const answer = (scene: string) => new NtpqClient({ run: async () => captured(scene) }).query();
  t.same(await answer('stopped'), { ok: false, error: 'ntpd not running: nothing answers NTP control queries on 127.0.0.1 (ntpq: Socket error; probably ntpd is not running)' });
  const silent = await answer('no-restrict');
  t.equal(silent.ok, false);
  t.match(!silent.ok && silent.error, /^ntpd does not answer control queries on 127\.0\.0\.1 \(ntpq: Request timed out\).*restrict 127\.0\.0\.1/);
  for (const scene of ['stopped', 'no-restrict']) t.equal(fx(`${scene}.status`).trim(), '0', `${scene}: ntpq exits 0 all the same`);
});

t.test('how ntpq is run', async (t) => {
  const calls: { argv: readonly string[]; env?: Record<string, string>; timeoutMs: number }[] = [];
  const run: RunCommand = async (argv, o) => (calls.push({ argv, ...o }), captured('shm-selected'));
  const c = new NtpqClient({ ntpq: ['python3', '/opt/ntpsec/usr/bin/ntpq'], env: { PYTHONPATH: '/x' }, run, timeoutMs: 3000 });
  const r = await c.query();
  t.equal(r.ok, true);
  t.same(calls, [{
    argv: ['python3', '/opt/ntpsec/usr/bin/ntpq', '-n', '-w', '-c', 'timeout 1000', '-c', 'rv 0 leap,stratum,refid,offset,frequency,clk_wander,rootdelay,rootdisp', '-c', 'peers', '127.0.0.1'],
    env: { PYTHONPATH: '/x' },
    timeoutMs: 3000,
  }]);
  const fail = (res: Partial<Extract<CommandResult, { ok: false }>>) =>
    new NtpqClient({ run: async () => ({ ok: false, reason: 'exit', code: 1, stdout: '', stderr: '', message: 'ntpq exited with 1', ...res }) }).query();
  t.same(await fail({ reason: 'not-found', message: 'ntpq not found' }), { ok: false, error: 'ntpq not installed (ntpq not found)' });
  t.same(await fail({ reason: 'timeout' }), { ok: false, error: 'ntpq timed out after 8000 ms asking 127.0.0.1' });
  t.same(await fail({ stderr: 'Traceback (most recent call last):\n  File "ntpq", line 10\nModuleNotFoundError: No module named \'ntp\'\n' }), {
    ok: false,
    error: "ntpq exited with 1: ModuleNotFoundError: No module named 'ntp'",
  });
  t.throws(() => new NtpqClient({ ntpq: [] }), RangeError);
});

t.test('malformed output is an error value', async (t) => {
  const good = fx('shm-selected.stdout');
  const bad: [string, string, RegExp][] = [
    ['empty', '', /no peers table: \(nothing\)/],
    ['garbage', 'hello\nworld\n', /no peers table: hello \| world/],
    ['no rule', good.replace(/^=+$/m, 'xxx'), /header without its rule/],
    ['no rv', good.replace(/^leap=[^\n]*\n[^\n]*\n/m, ''), /no system variables/],
    ['rv missing a variable', good.replace('clk_wander=0.0', 'clk_foo=0.0'), /rv: no clk_wander/],
    ['rv bad number', good.replace('rootdisp=937.521', 'rootdisp=lots'), /rv: rootdisp is not a number: lots/],
    ['rv bad leap', good.replace('leap=00', 'leap=2'), /rv: leap is not two bits/],
    ['rv stratum', good.replace('stratum=1,', 'stratum=17,'), /stratum out of range/],
    ['rv not pairs', good.replace('leap=00,', 'leap=00, oops'), /expected name=value/],
    ['rv open quote', good.replace('offset=0.0,', 'offset=0.0, x="abc,'), /unterminated string/],
    ['unknown tally', good.replace('+SHM(152)', '!SHM(152)'), /unknown tally code "!"/],
    ['short row', good.replace(/ 0\.0000 300\.0000 {3}0\.0000/, ''), /expected 10 fields, got 7/],
    ['bad reach', good.replace('    2   17 ', '    2   19 '), /reach of SHM\(151\) is not an octal register: 19/],
    ['bad offset', good.replace('300.0000', '3OO.0000'), /offset of SHM\(153\) is not a number of ms/],
    ['bad type', good.replace(' 0 l    1 ', ' 0 z    1 '), /unknown type "z"/],
    ['bad when', good.replace(' 0 l    1 ', ' 0 l   1y '), /when of SHM\(152\) is not an interval/],
  ];
  for (const [what, out, error] of bad) {
    const r = parseNtpqBatch(out);
    t.equal(r.ok, false, what);
    t.match(!r.ok && r.error, error, what);
  }
  // Every truncation of real output parses or reports; none throws.
  let errors = 0;
  for (let n = 0; n < good.length; n++) errors += parseNtpqBatch(good.slice(0, n)).ok ? 0 : 1;
  t.ok(errors > good.length / 2, `${errors} of ${good.length} truncations reported`);
});

t.test('field formats: intervals, missing values, refids', async (t) => {
  const rows = parsePeers([
    '#192.0.2.7      192.0.2.9        2 u  12m 1024  377   1.2500  -0.0400   0.0300',
    '-192.0.2.8      .PPS.            1 s   3h  36h  376        .      nan        X',
    '.192.0.2.10     192.0.2.9        2 3   2d   64    1   1.0000 -12345.6   0.0100',
    'o PPS(0)        .PPS.            0 l    5   16  377   0.0000   0.0020   0.0010',
  ]);
  if (!rows.ok) return t.fail(rows.error);
  t.same(rows.value.map((r) => [r.tally, r.type, r.whenS, r.pollS, r.delayMs, r.offsetMs, r.jitterMs]), [
    ['backup', 'unicast', 720, 1024, 1.25, -0.04, 0.03],
    ['outlier', 'symmetric-active', 10800, 129600, null, null, null],
    ['excess', 'nts', 172800, 64, 1, -12345.6, 0.01],
    ['pps.peer', 'refclock', 5, 16, 0, 0.002, 0.001],
  ]);
  const r = ntpsecReading({ leap: 'insert', stratum: 1, refId: 'PPS', offsetMs: 0.5, frequencyPpm: 12.5, clockWanderPpm: 0.1, rootDelayMs: 0, rootDispersionMs: 1 }, rows.value);
  t.same(r.sources.map((s) => [s.kind, s.state, s.offsetS]), [['server', 'not combined', 0.00004], ['peer', 'not combined', null], ['server', 'not combined', 12.3456], ['refclock', 'selected', -0.000002]]);
  t.equal(r.tracking.systemOffsetS, -0.0005, 'ntpd 0.5 ms behind true time: the system clock is 0.5 ms slow');
  t.equal(r.tracking.frequencyPpm, -12.5, 'a +12.5 ppm correction means the clock runs 12.5 ppm slow');
  t.equal(r.tracking.leap, 'insert');
  t.equal(parseReadvar('leap=00, stratum=2, refid=192.0.2.9, offset=-1.5, frequency=1, clk_wander=0, rootdelay=3, rootdisp=4, version="ntpd 1, 2"').ok, true, 'quoted commas');
  t.same(['192.0.2.1', 'GPS', 'PPS', 'INIT', '2001:db8::1', '300.1.1.1', ''].map(refIdHex), ['C0000201', '47505300', '50505300', '494E4954', null, null, null]);
  t.same(ntpsecReading({ leap: 'normal', stratum: 2, refId: '192.0.2.9', offsetMs: 0, frequencyPpm: 0, clockWanderPpm: 0, rootDelayMs: 0, rootDispersionMs: 0 }, [
    { tally: 'reject', remote: 'pool.ntp.org', refId: 'POOL', stratum: 16, type: 'pool', whenS: null, pollS: 64, reach: 0, delayMs: 0, offsetMs: 0, jitterMs: 0 },
  ]).sources, [], 'the pool prototype is not a source');
});

t.test('ntpsec from the config, and the status service on ntpq answers', async (t) => {
  const tk = timekeeperSchema.parse({ kind: 'ntpsec', ntpsec: { ntpqCommand: ['/opt/ntpq'] }, pps: { kind: 'gpio' } });
  const reader = statusReaderFor(tk);
  t.ok(reader instanceof NtpqClient);
  t.equal((reader as NtpqClient).argv[0], '/opt/ntpq');
  t.same(refclocksFor(tk), { nmeaRefId: 'GPS', ppsRefId: null, nmeaFeed: 'NTP SHM unit 2', ppsDevice: null }, 'the fragment names the NMEA refclock GPS; no PPS refclock with GPIO');
  t.same(refclocksFor({ ...tk, pps: { kind: 'kernel', device: '/dev/pps1' } }), { nmeaRefId: 'GPS', ppsRefId: 'PPS', nmeaFeed: 'NTP SHM unit 2', ppsDevice: '/dev/pps1' });

  const store = new ApplianceStore(initialState({ version: 't', pid: 1, startedAt: 0, mode: 'simulate', configSource: 'x', gnssDevice: 'sim', timeValidAfter: 3, ppsSource: null, rtcModel: null, timekeeper: 'ntpsec' }));
  store.update('gnss', { link: 'open', trust: { timeValid: true, validStreak: 3, needed: 3 } });
  const answers = ['just-started', 'stopped', 'shm-selected'];
  const svc = new TimekeeperStatusService({
    store, clock: new ManualClock(), intervalS: 10, log: createLogger({ level: 'error', format: 'json' }),
    reader: new NtpqClient({ run: async () => captured(answers.shift()!) }),
    refclocks: { nmeaRefId: 'GPS', ppsRefId: null, nmeaFeed: 'NTP SHM unit 151', ppsDevice: null },
  });
  const tkState = () => store.snapshot.timekeeper;
  await svc.pollNow();
  t.equal(tkState().reachable, true);
  t.equal(tkState().synced, false);
  t.match(tkState().explanations[0], /^NMEA refclock receives no samples/);
  t.equal(tkState().explanations.at(-1), 'ntpd is not synchronised: no source is selected (1 known, 0 reachable)');
  await svc.pollNow();
  t.equal(tkState().reachable, false);
  t.equal(tkState().explanations[0], 'ntpd not running: nothing answers NTP control queries on 127.0.0.1 (ntpq: Socket error; probably ntpd is not running)');
  t.same(tkState().sources, []);
  await svc.pollNow();
  t.equal(tkState().reachable, true);
  t.equal(tkState().synced, true);
  t.same(tkState().explanations, ['BAD is a falseticker: it disagrees with the other sources (offset -300.0 ms)']);
});
