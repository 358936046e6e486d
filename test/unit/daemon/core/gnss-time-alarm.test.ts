import t from 'tap';
import { initialState, type ApplianceState } from '../../../../src/daemon/core/appliance-state.js';
import type { AlarmInputs } from '../../../../src/daemon/core/alarm-types.js';
import { ALARM_RULES } from '../../../../src/daemon/core/alarm-rules.js';
import { describeTimeCheck, type GnssTimeCheck } from '../../../../src/daemon/core/gnss-time-check.js';
import { summaryLine } from '../../../../src/daemon/core/summary.js';
import { healthOf } from '../../../../src/daemon/mcp/tools/health.js';
import { gnssView } from '../../../../src/daemon/mcp/tools/state-views.js';
import { formatStatus } from '../../../../src/cli/status.js';

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const inputs: AlarmInputs = { now: T0, offsetLimitS: 0.001, ppsStaleMs: 3000, leapFileWarnMs: 0, leapFileExpiresAt: null, configChangedAt: null, configChangedHoldMs: 0 };
const rollover: GnssTimeCheck = {
  verdict: 'disagrees',
  reference: 'RTC',
  disagreementS: -619315200.1,
  limitS: 300,
  rolloverWeeks: 0,
  receiverTime: '2007-04-11T12:00:00.000Z',
  message: 'receiver date 2007-04-11 12:00:00 UTC, 1024 weeks behind the RTC: GPS week rollover? Not sent to the timekeeper',
};

function state(check: GnssTimeCheck | undefined, timeValid: boolean): ApplianceState {
  const s = initialState({ version: 't', pid: 1, startedAt: T0, mode: 'hardware', configSource: 'x', gnssDevice: '/dev/ttyAMA0', timeValidAfter: 3, ppsSource: null, rtcModel: null });
  return { ...s, gnss: { ...s.gnss, link: 'open', trust: { timeValid, validStreak: 3, needed: 3, check, lastStep: null } } };
}

const fired = (s: ApplianceState): Record<string, string> =>
  Object.fromEntries(ALARM_RULES.flatMap((r) => {
    const c = r.check(s, inputs);
    return c ? [[r.id, `${c.severity}: ${c.message}`]] : [];
  }));

t.test('a disagreeing label raises gnss-time-disagrees with its reason, instead of the generic not-valid alarm', async (t) => {
  const f = fired(state(rollover, false));
  t.equal(f['gnss-time-disagrees'], `major: ${rollover.message}`);
  t.notOk('gnss-time-invalid' in f);
});

t.test('agreeing or unchecked labels raise nothing of the kind', async (t) => {
  t.notOk('gnss-time-disagrees' in fired(state({ ...rollover, verdict: 'agrees', message: null }, true)));
  t.notOk('gnss-time-disagrees' in fired(state(undefined, true)), 'state from a daemon without the check');
  const down = { ...state(rollover, false) };
  down.gnss = { ...down.gnss, link: 'down' };
  t.notOk('gnss-time-disagrees' in fired(down), 'a missing receiver is its own alarm');
});

t.test('status, summary, MCP health and get_gnss_status say why', async (t) => {
  const s = state(rollover, false);
  t.match(summaryLine(s), /time NOT trusted: disagrees with the RTC/);
  t.match(formatStatus('x', s), /time check +DISAGREES: receiver date 2007-04-11 12:00:00 UTC, 1024 weeks behind the RTC/);
  const gnss = healthOf(s, T0).components.find((c) => c.name === 'gnss');
  t.match(gnss, { level: 'failed', detail: rollover.message });
  const v = gnssView(s);
  t.match(v, { timeValid: false, timeCheck: { verdict: 'disagrees', reference: 'RTC' }, timeCheckText: /^DISAGREES/ });
  t.match(describeTimeCheck({ ...rollover, verdict: 'agrees', rolloverWeeks: 1024, disagreementS: -0.12, message: null }), /^agrees with the RTC \(-0\.120 s, limit 300 s\); receiver date 2007-04-11 corrected by 1024 weeks/);
});
