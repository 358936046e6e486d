import t from 'tap';
import { initialState, type ApplianceState } from '../../../../src/daemon/core/appliance-state.js';
import { explainSync, fmtS } from '../../../../src/daemon/core/explain-sync.js';
import type { TimeSource, TimekeeperState } from '../../../../src/daemon/core/timekeeper-types.js';

const src = (over: Partial<TimeSource>): TimeSource => ({
  name: 'X', kind: 'refclock', state: 'not combined', stratum: 0, reach: 255, lastSampleAgoS: 1, offsetS: 0.0001, errorS: 0.0001, stdDevS: 0.00001, ...over,
});
const nmea = (over: Partial<TimeSource> = {}) => src({ name: 'NMEA', state: 'unreachable', ...over });
const pps = (over: Partial<TimeSource> = {}) => src({ name: 'PPS', state: 'selected', ...over });

function state(tk: Partial<TimekeeperState>, gnss: Partial<ApplianceState['gnss']> = {}): ApplianceState {
  const s = initialState({ version: 't', pid: 1, startedAt: 0, mode: 'hardware', configSource: 'x', gnssDevice: '/dev/ttyAMA0', timeValidAfter: 3, ppsSource: '/dev/pps0', rtcModel: null, timekeeper: 'chrony' });
  return {
    ...s,
    gnss: { ...s.gnss, link: 'open', trust: { timeValid: true, validStreak: 3, needed: 3 }, ...gnss },
    timekeeper: {
      ...s.timekeeper,
      reachable: true,
      synced: true,
      refclocks: { nmeaRefId: 'NMEA', ppsRefId: 'PPS', nmeaFeed: '/run/stratum1d-chrony/nmea.sock', ppsDevice: '/dev/pps0' },
      sources: [nmea(), pps()],
      ...tk,
    },
  };
}

t.test('a healthy GNSS + PPS appliance has nothing to explain', async (t) => {
  t.same(explainSync(state({})), []);
});

t.test('chronyd not running', async (t) => {
  const s = state({ reachable: false, lastError: 'chronyd not running: no answer on /run/chrony/chronyd.sock', sources: [] });
  t.same(explainSync(s), ['chronyd not running: no answer on /run/chrony/chronyd.sock']);
  const other = state({ reachable: false, lastError: 'chronyc not installed (chronyc not found)', sources: [] });
  t.same(explainSync(other), ["cannot read chronyd's status: chronyc not installed (chronyc not found)"]);
  t.same(explainSync(state({ kind: 'none', reachable: false, lastError: 'x' })), [], 'no timekeeper, no complaint');
});

t.test('GNSS not time-valid yet, with the count of good epochs', async (t) => {
  const s = state({ sources: [nmea({ reach: 0, lastSampleAgoS: null, offsetS: null }), pps({ reach: 0, lastSampleAgoS: null, state: 'unreachable' })], synced: false }, { trust: { timeValid: false, validStreak: 2, needed: 3 } });
  const ex = explainSync(s);
  t.equal(ex[0], 'GNSS not time-valid yet (2/3 good epochs), no epoch received');
  t.equal(ex[1], 'NMEA refclock receives no samples: stratum1d sends none until the GNSS time is valid');
  t.match(ex, [/./, /./, /^PPS refclock unreachable/, /^chronyd is not synchronised: no source is selected \(2 known, 0 reachable\)$/]);
});

t.test('GNSS receiver down or antenna open', async (t) => {
  t.equal(explainSync(state({}, { link: 'down', lastError: 'ENOENT /dev/ttyAMA0' }))[0], 'GNSS receiver /dev/ttyAMA0 is down: ENOENT /dev/ttyAMA0');
  t.equal(explainSync(state({}, { antenna: 'open' }))[0], 'GNSS antenna not connected (open circuit)');
});

t.test('NMEA refclock receives no samples while the GNSS is valid: names the socket and the feed counters', async (t) => {
  const s = state({ sources: [nmea({ reach: 0, lastSampleAgoS: null, offsetS: null }), pps()], feed: { sockSent: 0, sockFailed: 12, ppsSent: 0, shmWrites: 0, lastError: 'ECONNREFUSED' } });
  t.same(explainSync(s), ["NMEA refclock receives no samples (is stratum1d's SOCK feed reaching /run/stratum1d-chrony/nmea.sock?): 0 sent, 12 failed, last error: ECONNREFUSED"]);
});

t.test('under ntpsec the silent NMEA refclock points at the SHM feed and its write count', async (t) => {
  const s = state({
    kind: 'ntpsec',
    refclocks: { nmeaRefId: 'GPS', ppsRefId: null, nmeaFeed: 'NTP SHM unit 2', ppsDevice: null },
    sources: [nmea({ name: 'GPS', reach: 0, lastSampleAgoS: null, offsetS: null })],
    feed: { sockSent: 0, sockFailed: 0, ppsSent: 0, shmWrites: 40, lastError: null },
  });
  t.match(explainSync(s)[0], /^NMEA refclock receives no samples \(is ntpd reading stratum1d's NTP SHM unit 2\?\): 40 SHM writes$/);
});

t.test('NMEA offset too large for PPS lock, with the calibration in use', async (t) => {
  const s = state({
    synced: true,
    sources: [nmea({ offsetS: 0.4999 }), pps({ reach: 0, lastSampleAgoS: null, state: 'unreachable' }), src({ name: '192.168.1.1', kind: 'server', state: 'selected', stratum: 2 })],
    nmeaOffset: { valueS: 0, spreadS: null, samples: 0, source: 'initial', reference: null, updatedAt: null },
  });
  t.same(explainSync(s), [
    'NMEA offset too large for PPS lock: the NMEA refclock is +499.9 ms off and PPS pairs pulses only within 0.4 s; NMEA delay in use 0 ns (initial, 0 samples)',
    'PPS refclock unreachable: is /dev/pps0 present and readable by _chrony?',
    'selected source is a network server (192.168.1.1), not the GNSS',
  ]);
  t.same(explainSync(state({ sources: [nmea({ offsetS: -0.39 }), pps()] })), [], '0.39 s is within the lock limit');
  t.same(explainSync(state({ sources: [nmea({ offsetS: 0.45 }), pps()] })), [], 'PPS already selected: the offset did not stop it');
});

t.test('PPS unreachable although stratum1d sees pulses; GPIO-fed PPS', async (t) => {
  const base = state({ sources: [nmea(), pps({ reach: 0, lastSampleAgoS: null, state: 'unreachable' })], synced: false });
  const seen: ApplianceState = { ...base, pps: { ...base.pps, link: 'open', pulses: 42 } };
  t.equal(explainSync(seen)[0], 'PPS refclock unreachable: is /dev/pps0 present and readable by _chrony? (stratum1d itself sees 42 pulses on /dev/pps0)');
  const gpio: ApplianceState = { ...base, timekeeper: { ...base.timekeeper, refclocks: { ...base.timekeeper.refclocks!, ppsDevice: null } } };
  t.equal(explainSync(gpio)[0], "PPS refclock receives no pulses (is stratum1d's PPS feed reaching chronyd?): 0 sent");
});

t.test('falsetickers and too-variable sources', async (t) => {
  const s = state({ synced: false, sources: [nmea(), pps({ state: 'falseticker', offsetS: -0.000106 }), src({ name: '10.0.0.1', kind: 'server', state: 'too variable', stdDevS: 0.012 })] });
  t.same(explainSync(s), [
    'PPS refclock is a falseticker: it disagrees with the other sources (offset -106.0 µs)',
    '10.0.0.1 is too variable to use (std dev 12.0 ms)',
    'chronyd is not synchronised: no source is selected (3 known, 3 reachable)',
  ]);
});

t.test('refclocks missing from the timekeeper configuration; no sources at all', async (t) => {
  const s = state({ synced: false, sources: [] });
  t.same(explainSync(s), [
    'chronyd has no NMEA refclock: its configuration lacks stratum1d\'s (run `stratum1d config apply`)',
    'chronyd has no PPS refclock: its configuration lacks stratum1d\'s (run `stratum1d config apply`)',
    'chronyd is not synchronised: it has no sources',
  ]);
});

t.test('ntpsec wording', async (t) => {
  const s = state({ kind: 'ntpsec', sources: [nmea(), pps({ reach: 0, lastSampleAgoS: null, state: 'unreachable' }), src({ name: '10.0.0.2', kind: 'peer', state: 'selected' })] });
  t.same(explainSync(s), ['PPS refclock unreachable: is /dev/pps0 present and readable by ntpsec?', 'selected source is a network peer (10.0.0.2), not the GNSS']);
  t.same(explainSync(state({ kind: 'ntpsec', reachable: false, lastError: 'ntpd not running: no answer from 127.0.0.1' })), ['ntpd not running: no answer from 127.0.0.1']);
});

t.test('seconds formatted for reading', async (t) => {
  t.same([fmtS(1.25), fmtS(-0.0123), fmtS(0.0000123, false), fmtS(5e-9), fmtS(null)], ['+1.250 s', '-12.3 ms', '12.3 µs', '+5 ns', 'unknown']);
});
