import t from 'tap';
import { ApplianceStore, initialState } from '../../../../src/daemon/core/appliance-state.js';
import type { AlarmInputs } from '../../../../src/daemon/core/alarm-types.js';
import { ALARM_RULES } from '../../../../src/daemon/core/alarm-rules.js';
import { explainSync } from '../../../../src/daemon/core/explain-sync.js';
import { ppsDeviceDisagreement } from '../../../../src/daemon/core/pps-device-agreement.js';
import type { TimekeeperRefclocks } from '../../../../src/daemon/core/timekeeper-types.js';

const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);
const INPUTS: AlarmInputs = { now: T0, offsetLimitS: 0.001, ppsStaleMs: 3000, leapFileWarnMs: 1, leapFileExpiresAt: null, configChangedAt: null, configChangedHoldMs: 1 };
const INCLUDE = '/etc/chrony/conf.d/stratum1d.conf';

function state(monitored: string | null, rc: Partial<TimekeeperRefclocks>, reachable = true) {
  const s = new ApplianceStore(
    initialState({ version: 't', pid: 1, startedAt: T0, mode: 'hardware', configSource: 'x', gnssDevice: '/dev/ttyAMA0', timeValidAfter: 3, ppsSource: 'auto', rtcModel: null, timekeeper: 'chrony' }),
  );
  s.update('gnss', { link: 'open', trust: { timeValid: true, validStreak: 3, needed: 3 } });
  s.update('pps', { link: monitored ? 'open' : 'down', device: monitored, lastEdge: { sec: T0 / 1000 - 1, nsec: 0, seq: 5 }, pulses: 5 });
  s.update('timekeeper', {
    reachable,
    lastError: reachable ? null : 'chronyd not running',
    synced: true,
    refclocks: { nmeaRefId: 'NMEA', ppsRefId: 'PPS', nmeaFeed: '/run/x.sock', ppsDevice: '/dev/pps0', ...rc },
  });
  return s.snapshot;
}

const alarm = (s: ReturnType<typeof state>) => ALARM_RULES.find((r) => r.id === 'pps-device-mismatch')!.check(s, INPUTS);

t.test('chronyd on pps0 (ktimer) while the monitor follows pps-gpio on pps1: alarm and explanation', async (t) => {
  const s = state('/dev/pps1 (pps@12.-1)', { ppsDevice: '/dev/pps0', ppsDeviceFrom: INCLUDE, ppsDeviceTarget: '/dev/pps0' });
  const a = alarm(s);
  t.equal(a?.severity, 'major');
  t.match(a?.message, /^chronyd reads PPS from \/dev\/pps0 \(\/etc\/chrony\/conf\.d\/stratum1d\.conf\) but stratum1d monitors the PPS on \/dev\/pps1 "pps@12\.-1"/);
  t.match(a?.message, /stratum1d config apply/);
  t.ok(explainSync(s).some((e) => e === a?.message), 'explain_sync says the same');
  t.ok(explainSync(state('/dev/pps1 (pps@12.-1)', { ppsDeviceTarget: '/dev/pps0', ppsDeviceFrom: INCLUDE }, false)).some((e) => /reads PPS from \/dev\/pps0/.test(e)), 'also while chronyd cannot be asked');
});

t.test('a udev name is compared by what it points to', async (t) => {
  t.equal(alarm(state('/dev/pps1 (pps@12.-1)', { ppsDevice: '/dev/pps-gpio', ppsDeviceFrom: INCLUDE, ppsDeviceTarget: '/dev/pps1' })), null);
  const gone = alarm(state('/dev/pps1 (pps@12.-1)', { ppsDevice: '/dev/pps-gpio', ppsDeviceFrom: INCLUDE, ppsDeviceTarget: null }));
  t.match(gone?.message, /reads PPS from \/dev\/pps-gpio, which does not exist/);
  t.match(alarm(state('/dev/pps1 (x)', { ppsDevice: '/dev/pps-gpio', ppsDeviceFrom: INCLUDE, ppsDeviceTarget: '/dev/pps2' }))?.message, /\/dev\/pps-gpio \(\/dev\/pps2\)/);
});

t.test('agreement, and cases that cannot be judged, say nothing', async (t) => {
  t.equal(alarm(state('/dev/pps1 (pps@12.-1)', { ppsDevice: '/dev/pps1', ppsDeviceFrom: INCLUDE, ppsDeviceTarget: '/dev/pps1' })), null);
  t.equal(alarm(state('/dev/pps1 (pps@12.-1)', { ppsDevice: '/dev/pps1' })), null, 'from config, no target: compared as written');
  t.equal(alarm(state(null, { ppsDevice: '/dev/pps0' })), null, 'monitor has no device');
  t.equal(alarm(state('/dev/gpiochip0:18 (GPIO18, pinctrl-bcm2711)', { ppsDevice: null })), null, 'GPIO path: chronyd reads our SOCK');
  t.equal(alarm(state('/dev/pps1 (pps@12.-1)', { ppsDevice: 'auto' })), null, 'unresolved auto');
  t.equal(ppsDeviceDisagreement(state('/dev/pps1 (pps@12.-1)', { ppsDevice: '/dev/pps0' }))?.from, 'config');
});
