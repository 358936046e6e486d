import t from 'tap';
import { checkAgainstReferences, NO_REFERENCES } from '../../../../../src/daemon/gnss/epoch/reference-check.js';

const WEEKS_MS = 1024 * 7 * 86_400_000;
const arrival = Date.UTC(2026, 10, 25, 14, 3, 7, 150);
const bounds = { maxDisagreementS: 2, maxRtcDisagreementS: 300 };
const label = (labelMs: number, rolloverWeeks = 0, receiverTime = new Date(labelMs).toISOString()) => ({ labelMs, arrivalMs: arrival, rolloverWeeks, receiverTime });
const synced = { systemClockSynced: true, rtcOffsetMs: null };
const rtc = (offsetMs: number) => ({ systemClockSynced: false, rtcOffsetMs: offsetMs });

t.test('no reference: unchecked, never a disagreement', async (t) => {
  t.match(checkAgainstReferences(label(arrival + 3_600_000), NO_REFERENCES, bounds), { verdict: 'unchecked', reference: null, message: null });
});

t.test('a correct label lags its arrival by up to a second: agrees', async (t) => {
  const c = checkAgainstReferences(label(arrival - 150), synced, bounds);
  t.match(c, { verdict: 'agrees', reference: 'system clock', disagreementS: -0.15, limitS: 2 });
  t.equal(checkAgainstReferences(label(arrival - 2900), synced, bounds).verdict, 'agrees', '1.9 s beyond the lag: within 2 s');
  t.equal(checkAgainstReferences(label(arrival + 1900), synced, bounds).verdict, 'agrees');
});

t.test('beyond the bound against a synchronised system clock: disagrees, with the numbers', async (t) => {
  const c = checkAgainstReferences(label(arrival - 150 + 18_000), synced, bounds);
  t.match(c, { verdict: 'disagrees', reference: 'system clock', limitS: 2 });
  t.match(c.message, /is 17\.9 s ahead of the system clock \(limit 2 s\): not sent to the timekeeper/);
  const hour = checkAgainstReferences(label(arrival - 150 - 3_600_000), synced, bounds);
  t.match(hour.message, /is 3600 s behind the system clock/);
});

t.test('a synchronised system clock wins over the RTC; without it the RTC, with its looser bound', async (t) => {
  t.equal(checkAgainstReferences(label(arrival - 150), { systemClockSynced: true, rtcOffsetMs: 3_600_000 }, bounds).reference, 'system clock');
  const r = checkAgainstReferences(label(arrival - 150 + 60_000), rtc(0), bounds);
  t.match(r, { verdict: 'agrees', reference: 'RTC', limitS: 300 }, 'a minute off the RTC is drift, not an error');
  t.match(checkAgainstReferences(label(arrival - 150), rtc(-400_000), bounds), { verdict: 'disagrees', reference: 'RTC' });
});

t.test('a label 1024 weeks behind the RTC is named a week rollover', async (t) => {
  const sentMs = arrival - 150 - WEEKS_MS;
  const c = checkAgainstReferences(label(sentMs), rtc(0), bounds);
  t.equal(c.verdict, 'disagrees');
  t.equal(c.message, 'receiver date 2007-04-11 14:03:07 UTC, 1024 weeks behind the RTC: GPS week rollover? Not sent to the timekeeper');
  t.equal(c.receiverTime, '2007-04-11T14:03:07.000Z');
});

t.test('a floor correction that overshoots (2046 instead of 2026) is caught and says so', async (t) => {
  const c = checkAgainstReferences(label(arrival - 150 + WEEKS_MS, 1024, '2007-04-11T14:03:07.000Z'), synced, bounds);
  t.equal(c.verdict, 'disagrees');
  t.match(c.message, /^receiver date 2007-04-11 14:03:07 UTC \(after adding 1024 weeks\), 1024 weeks ahead of the system clock: GPS week rollover\?/);
});

t.test('a bound of 0 turns that reference off', async (t) => {
  t.equal(checkAgainstReferences(label(arrival + 3_600_000), synced, { maxDisagreementS: 0, maxRtcDisagreementS: 0 }).verdict, 'unchecked');
  t.equal(checkAgainstReferences(label(arrival + 3_600_000), { systemClockSynced: true, rtcOffsetMs: 0 }, { maxDisagreementS: 0, maxRtcDisagreementS: 300 }).reference, 'RTC');
});
