import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ApplianceStore, initialState } from '../../../../../src/daemon/core/appliance-state.js';
import type { Fix, Sky } from '../../../../../src/daemon/core/fix.js';
import { type ApplianceApi, type Caller, DaemonDown } from '../../../../../src/daemon/mcp/appliance-api.js';
import { AuditStore } from '../../../../../src/daemon/mcp/audit/audit-store.js';
import { DaemonApi, type DaemonApiDeps } from '../../../../../src/daemon/mcp/daemon-api.js';
import { createMcpServer } from '../../../../../src/daemon/mcp/server/create-server.js';

/** Shared by the MCP server tests: a populated store, a DaemonApi with fakes, a connected client. */

export const T0 = Date.UTC(2026, 6, 1, 12, 0, 0);
export const NOW_NS = BigInt(T0) * 1_000_000n + 123_456_789n;
export const ADMIN: Caller = { id: 'ops-key', role: 'admin', transport: 'websocket' };
export const READER: Caller = { id: 'dash-key', role: 'read', transport: 'http' };

export function populatedStore(): ApplianceStore {
  const store = new ApplianceStore(
    initialState({ version: '9.9.9', pid: 42, startedAt: T0 - 3_600_000, mode: 'simulate', configSource: '/etc/stratum1d.yaml', gnssDevice: '/dev/ttyAMA0', timeValidAfter: 3, ppsSource: '/dev/pps0', rtcModel: 'ds3231', timekeeper: 'chrony' }),
  );
  const fix: Fix = {
    time: { year: 2026, month: 7, day: 1, hour: 12, minute: 0, second: 0, millis: 0 },
    mode: 3, status: 1, leapSeconds: 18, lat: 51.4779, lon: -0.0015, altHAE: 90, altMSL: 45, geoidSep: 45, speed: 0, track: null, magvar: null, climb: null, eph: 3, epv: 5,
    receivedAt: T0 - 100, sentences: ['RMC', 'GGA', 'GSA', 'GSV'],
  };
  const sat = (PRN: number, gnssid: 0 | 2 | 6, used: boolean) => ({ PRN, gnssid, svid: PRN, sigid: null, el: 45, az: 180, ss: 40, used });
  const sky: Sky = { time: fix.time, nSat: 5, uSat: 3, hdop: 0.9, pdop: 1.6, vdop: 1.3, satellites: [sat(3, 0, true), sat(7, 0, true), sat(9, 0, false), sat(301, 2, true), sat(305, 2, false)] };
  store.update('gnss', { link: 'open', fix, sky, trust: { timeValid: true, validStreak: 40, needed: 3 }, antenna: 'ok' });
  store.update('pps', { link: 'open', pulses: 3600, missed: 0, lastEdge: { sec: T0 / 1000, nsec: 12, seq: 3600 } });
  store.update('rtc', { readable: true, timeMs: T0, offsetMs: 3, oscillatorStopped: false, batteryLow: false, temperatureC: 24.5, readAt: T0 });
  store.update('timekeeper', {
    reachable: true,
    synced: true,
    tracking: { refId: 'PPS', refName: 'PPS', stratum: 1, systemOffsetS: 2e-7, rootDelayS: 1e-9, rootDispersionS: 1.5e-5, frequencyPpm: -3.2, skewPpm: 0.01, leap: 'normal' },
    refclocks: { nmeaRefId: 'NMEA', ppsRefId: 'PPS', nmeaFeed: '/run/stratum1d-chrony/nmea.sock', ppsDevice: '/dev/pps0' },
    sources: [
      { name: 'NMEA', kind: 'refclock', state: 'not combined', stratum: 0, reach: 255, lastSampleAgoS: 1, offsetS: 0.002, errorS: 0.001, stdDevS: 0.0005 },
      { name: 'PPS', kind: 'refclock', state: 'selected', stratum: 0, reach: 255, lastSampleAgoS: 1, offsetS: 1e-7, errorS: 1e-7, stdDevS: 2e-7 },
      { name: '192.0.2.10', kind: 'server', state: 'combined', stratum: 2, reach: 255, lastSampleAgoS: 30, offsetS: 0.0004, errorS: 0.01, stdDevS: 0.001 },
    ],
    updatedAt: T0,
  });
  return store;
}

export interface Fakes {
  calls: string[];
  applyOk: boolean;
}

export function makeDaemonApi(store: ApplianceStore, auditPath: string, over: Partial<DaemonApiDeps> = {}): { api: DaemonApi; audit: AuditStore; fakes: Fakes } {
  const audit = new AuditStore(auditPath);
  const fakes: Fakes = { calls: [], applyOk: true };
  const deps: DaemonApiDeps = {
    store,
    config: () => ({ timekeeper: { kind: 'chrony' }, mcp: { apiKeys: [{ name: 'ops', key: 'sekrit' }], tls: { keyFile: '/etc/ssl/k.pem' } } }),
    timekeeper: {
      preview: async () => ({ kind: 'chrony', path: '/etc/chrony/conf.d/stratum1d.conf', rendered: { text: 'refclock SOCK /run/x.sock refid NMEA\n', notes: [{ level: 'info', message: 'rendered for test' }] }, installed: null, diff: '+refclock SOCK\n' }),
      apply: async () => {
        fakes.calls.push('apply');
        return { status: fakes.applyOk ? 'applied' : 'rolled-back', exitCode: fakes.applyOk ? 0 : 1, messages: [fakes.applyOk ? 'chronyd restarted' : 'error: chronyd did not answer; previous file restored'], installed: null, rendered: 'x', diff: '+x', validation: null, backupPath: null };
      },
      restart: async () => {
        fakes.calls.push('restart');
        return { code: 0, signal: null, stdout: '', stderr: '', error: null };
      },
      restartArgv: ['systemctl', 'restart', 'chrony'],
    },
    calibration: { calibrateNow: async () => (fakes.calls.push('calibrate'), { valueS: 0.123, spreadS: 0.002, samples: 128, source: 'calibrated', reference: 'pps', updatedAt: T0 }) },
    setRtcFromSystem: null,
    audit,
    ...over,
  };
  return { api: new DaemonApi(deps), audit, fakes };
}

export function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'stratum1d-mcp-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Every method: the daemon is down. */
export const downApi: ApplianceApi = {
  state: () => Promise.reject(new DaemonDown('connect ENOENT /run/stratum1d/control.sock')),
  config: () => Promise.reject(new DaemonDown('down')),
  renderTimekeeperConfig: () => Promise.reject(new DaemonDown('down')),
  applyTimekeeperConfig: () => Promise.reject(new DaemonDown('down')),
  restartTimekeeper: () => Promise.reject(new DaemonDown('down')),
  calibrateNmeaOffset: () => Promise.reject(new DaemonDown('down')),
  setRtcFromSystem: () => Promise.reject(new DaemonDown('down')),
  auditLog: () => Promise.reject(new DaemonDown('down')),
};

export async function connectClient(api: ApplianceApi, caller: Caller, opts: { statusPollMs?: number } = {}) {
  const server = createMcpServer(api, caller, { version: '9.9.9', now: () => NOW_NS, ...opts });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'stratum1d-test', version: '1.0.0' });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  return {
    client,
    server,
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}
