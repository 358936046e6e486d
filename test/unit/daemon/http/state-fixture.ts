import { ApplianceStore, initialState } from '../../../../src/daemon/core/appliance-state.js';
import type { HostFacts } from '../../../../src/daemon/http/host-facts.js';

export const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);

/** A healthy appliance locked to GNSS+PPS through chrony, with an RTC: every component ok. */
export function healthyStore(): ApplianceStore {
  const s = new ApplianceStore(
    initialState({ version: '9.9.9', pid: 1, startedAt: T0, mode: 'hardware', configSource: 'x', gnssDevice: '/dev/ttyAMA0', timeValidAfter: 3, ppsSource: 'pps0', rtcModel: 'ds3231', timekeeper: 'chrony', holdoverBudgetS: 0.001 }),
  );
  s.update('gnss', {
    link: 'open',
    fix: { time: null, mode: 3, status: 1, leapSeconds: 18, lat: 1, lon: 2, altHAE: null, altMSL: 3, geoidSep: null, speed: null, track: null, magvar: null, climb: null, eph: null, epv: null, receivedAt: T0, sentences: ['RMC', 'GGA'] },
    sky: {
      time: null,
      nSat: 3,
      uSat: 2,
      hdop: 0.9,
      pdop: 1.5,
      vdop: 1.2,
      satellites: [
        { PRN: 1, gnssid: 0, svid: 1, sigid: null, el: 40, az: 10, ss: 40, used: true },
        { PRN: 2, gnssid: 0, svid: 2, sigid: null, el: 30, az: 20, ss: 44, used: true },
        { PRN: 3, gnssid: 0, svid: 3, sigid: null, el: 5, az: 30, ss: null, used: false },
      ],
    },
    trust: { timeValid: true, validStreak: 10, needed: 3 },
    antenna: 'ok',
  });
  s.update('pps', {
    link: 'open',
    pulses: 100,
    missed: 2,
    health: {
      condition: 'ok',
      message: 'PPS ok',
      pulses: 100,
      missed: 2,
      gaps: 1,
      resets: 0,
      lastSeenAgoMs: 200,
      rateHz: 1,
      interval: { samples: 64, meanNs: 1e9, stdDevNs: 100, minNs: 1e9 - 300, maxNs: 1e9 + 300 },
      offset: { samples: 64, lastNs: 1500, meanNs: 200, jitterNs: 800 },
    },
  });
  s.update('rtc', { readable: true, offsetMs: -250, oscillatorStopped: false, batteryLow: false, temperatureC: 31.25, readAt: T0, access: 'i2c', drift: { ppm: 1.8, stdErrPpm: 0.05, points: 40, baselineS: 3600, updatedAt: T0, source: 'measured' } });
  s.update('timekeeper', {
    reachable: true,
    synced: true,
    updatedAt: T0,
    tracking: { refId: '50505300', refName: 'PPS', stratum: 1, systemOffsetS: 2e-7, rootDelayS: 1e-9, rootDispersionS: 1.5e-5, frequencyPpm: -12.5, skewPpm: 0.01, leap: 'normal' },
    sources: [
      { name: 'NMEA', kind: 'refclock', state: 'not combined', stratum: 0, reach: 255, lastSampleAgoS: 1, offsetS: 0.002, errorS: 0.001, stdDevS: 0.0005 },
      { name: 'PPS', kind: 'refclock', state: 'selected', stratum: 0, reach: 255, lastSampleAgoS: 0, offsetS: -3e-7, errorS: 1e-7, stdDevS: 2e-7 },
      { name: 'time.example "net"', kind: 'server', state: 'unreachable', stratum: null, reach: 0, lastSampleAgoS: null, offsetS: null, errorS: null, stdDevS: null },
    ],
    nmeaOffset: { valueS: 0.123, spreadS: 0.002, samples: 60, source: 'calibrated', reference: 'pps', updatedAt: T0 },
    feed: { sockSent: 500, sockFailed: 3, ppsSent: 0, shmWrites: 0, lastError: null, stalledDropped: 1 },
  });
  s.update('holdover', { state: 'locked', estimatedErrorS: null, budgetS: 0.001, overBudget: false });
  s.update('alarms', {
    active: [
      { id: 'leap-file-expiring', severity: 'minor', since: T0, message: 'x' },
      { id: 'config-changed', severity: 'info', since: T0, message: 'y' },
    ],
    raised: 5,
    cleared: 3,
  });
  return s;
}

export function okHost(over: Partial<HostFacts> = {}): HostFacts {
  return {
    disk: { path: '/var/lib/stratum1d', availBytes: 10 * 1024 ** 3, sizeBytes: 30 * 1024 ** 3 },
    memory: { rssBytes: 90 * 1024 ** 2, limitBytes: 256 * 1024 ** 2, limitSource: 'cgroup' },
    eventLoop: { meanMs: 10.2, p99Ms: 12, maxMs: 20, windowS: 10 },
    process: { heapUsedBytes: 2e7, heapTotalBytes: 4e7, externalBytes: 1e6, cpuUserS: 1.5, cpuSystemS: 0.5, startTimeS: T0 / 1000, openFds: 30, maxFds: 1024 },
    ...over,
  };
}
