import t from 'tap';
import { initialState, type ApplianceState } from '../../../../src/daemon/core/appliance-state.js';
import type { TimeSource } from '../../../../src/daemon/core/timekeeper-types.js';
import { leapPendingOf, timeReferencesOf } from '../../../../src/daemon/gnss/time-references.js';

const base = initialState({ version: 't', pid: 1, startedAt: 0, mode: 'hardware', configSource: 't', gnssDevice: '/dev/x', timeValidAfter: 3, ppsSource: null, rtcModel: 'ds3231', timekeeper: 'chrony' });
const src = (name: string, state: TimeSource['state']): TimeSource => ({ name, kind: name === 'NMEA' || name === 'PPS' ? 'refclock' : 'server', state, stratum: 1, reach: 255, lastSampleAgoS: 1, offsetS: 0, errorS: 0, stdDevS: 0 });
const withTk = (sources: TimeSource[], synced: boolean | null = true): ApplianceState => ({ ...base, timekeeper: { ...base.timekeeper, reachable: true, synced, sources } });

t.test('the system clock counts only when synchronised to a source not fed by this receiver', async (t) => {
  t.equal(timeReferencesOf(withTk([src('192.0.2.1', 'selected'), src('NMEA', 'not selectable')])).systemClockSynced, true);
  t.equal(timeReferencesOf(withTk([src('NMEA', 'selected')])).systemClockSynced, false, 'our NMEA');
  t.equal(timeReferencesOf(withTk([src('PPS', 'selected'), src('192.0.2.1', 'combined')])).systemClockSynced, false, 'PPS takes its second from our NMEA');
  t.equal(timeReferencesOf(withTk([src('192.0.2.1', 'selected')], false)).systemClockSynced, false, 'not synchronised');
  t.equal(timeReferencesOf(base).systemClockSynced, false, 'timekeeper never reached');
});

t.test('the RTC counts while readable with a valid time', async (t) => {
  const rtc = (patch: Partial<ApplianceState['rtc']>): ApplianceState => ({ ...base, rtc: { ...base.rtc, readable: true, oscillatorStopped: false, offsetMs: -420, ...patch } });
  t.equal(timeReferencesOf(rtc({})).rtcOffsetMs, -420);
  t.equal(timeReferencesOf(rtc({ oscillatorStopped: true })).rtcOffsetMs, null, 'oscillator stopped: its time is garbage');
  t.equal(timeReferencesOf(rtc({ readable: false })).rtcOffsetMs, null);
  t.equal(timeReferencesOf(rtc({ offsetMs: null })).rtcOffsetMs, null);
});

t.test('a leap second announced by the timekeeper', async (t) => {
  const leap = (l: 'insert' | 'normal') => ({ ...base, timekeeper: { ...base.timekeeper, tracking: { refId: null, refName: null, stratum: 1, systemOffsetS: 0, rootDelayS: 0, rootDispersionS: 0, frequencyPpm: 0, skewPpm: 0, leap: l } } });
  t.equal(leapPendingOf(leap('insert')), 'insert');
  t.equal(leapPendingOf(leap('normal')), null);
  t.equal(leapPendingOf(base), null);
});
