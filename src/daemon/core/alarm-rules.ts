import type { ApplianceState } from './appliance-state.js';
import type { AlarmCondition, AlarmInputs, AlarmRule } from './alarm-types.js';
import { describePpsDisagreement, ppsDeviceDisagreement } from './pps-device-agreement.js';

/**
 * One rule per alarm id. A rule is a function of the state and the inputs; adding an alarm
 * is adding an entry here (e.g. when the PPS tracker publishes a wrong-rate verdict, a rule
 * reading it goes next to `pps-missing`). Order is evaluation order only; status sorts by
 * severity.
 */
export const ALARM_RULES: readonly AlarmRule[] = [
  { id: 'antenna-fault', debounce: 'normal', check: antennaFault },
  { id: 'gnss-receiver-missing', debounce: 'normal', check: gnssReceiverMissing },
  { id: 'gnss-time-invalid', debounce: 'normal', check: gnssTimeInvalid },
  { id: 'gnss-time-disagrees', debounce: 'normal', check: gnssTimeDisagrees },
  { id: 'pps-missing', debounce: 'normal', check: ppsMissing },
  { id: 'pps-wrong-rate', debounce: 'normal', check: ppsWrongRate },
  { id: 'pps-device-mismatch', debounce: 'normal', check: ppsDeviceMismatch },
  { id: 'timekeeper-unreachable', debounce: 'normal', check: timekeeperUnreachable },
  { id: 'timekeeper-unsynchronised', debounce: 'normal', check: timekeeperUnsynchronised },
  { id: 'offset-over-limit', debounce: 'normal', check: offsetOverLimit },
  { id: 'nmea-calibration-refused', debounce: 'none', check: nmeaCalibrationRefused },
  { id: 'ntp-shm-world-writable', debounce: 'none', check: ntpShmWorldWritable },
  { id: 'rtc-invalid', debounce: 'normal', check: rtcInvalid },
  { id: 'rtc-unreadable', debounce: 'normal', check: rtcUnreadable },
  { id: 'rtc-battery-low', debounce: 'normal', check: rtcBatteryLow },
  { id: 'holdover-over-budget', debounce: 'none', check: holdoverOverBudget },
  { id: 'leap-second-announced', debounce: 'normal', check: leapAnnounced },
  { id: 'leap-file-expiring', debounce: 'none', check: leapFileExpiring },
  { id: 'config-changed', debounce: 'none', check: configChanged },
  { id: 'restart-needed', debounce: 'none', check: restartNeeded },
  { id: 'fleet-outbox-error', debounce: 'normal', check: fleetOutboxError },
  { id: 'fleet-upload-failing', debounce: 'normal', check: fleetUploadFailing },
];

/** Receivers report their antenna supervisor in `$GPTXT ... ANTSTATUS=OPEN|SHORT|OK` (u-blox, MediaTek). */
function antennaFault(s: ApplianceState): AlarmCondition | null {
  if (s.gnss.antenna === 'open') return { severity: 'major', message: 'GNSS antenna open circuit (receiver reports ANTSTATUS=OPEN): antenna disconnected or cable cut' };
  if (s.gnss.antenna === 'short') return { severity: 'major', message: 'GNSS antenna short circuit (receiver reports ANTSTATUS=SHORT): check the cable and connector' };
  return null;
}

/** The port cannot be opened (receiver unplugged, wrong gnss.device): the daemon stays up and keeps retrying. */
function gnssReceiverMissing(s: ApplianceState): AlarmCondition | null {
  const g = s.gnss;
  if (g.link === 'open') return null;
  const what = g.link === 'down' ? `GNSS receiver ${g.device} went away` : `no GNSS receiver at ${g.device}`;
  return { severity: 'major', message: `${what}${g.lastError ? ` (${g.lastError})` : ''}: no GNSS time; check the cable or USB plug and gnss.device (retrying)` };
}

/** Only with the port open: a missing receiver is its own alarm above. */
function gnssTimeInvalid(s: ApplianceState): AlarmCondition | null {
  const g = s.gnss;
  if (g.link !== 'open') return null;
  if (g.trust.timeValid || g.trust.check?.verdict === 'disagrees') return null; // gnss-time-disagrees says why
  const mode = g.fix ? ['no report', 'no fix', '2D fix', '3D fix'][g.fix.mode] : 'no data yet';
  return { severity: 'major', message: `GNSS time not valid: ${mode}, ${g.trust.validStreak}/${g.trust.needed} consecutive good epochs` };
}

/** The label disagrees with the RTC or a synchronised system clock (gnss/epoch/reference-check.ts): never sent. */
function gnssTimeDisagrees(s: ApplianceState): AlarmCondition | null {
  const c = s.gnss.trust.check;
  if (s.gnss.link !== 'open' || c?.verdict !== 'disagrees') return null;
  return { severity: 'major', message: c.message ?? `GNSS time disagrees with the ${c.reference ?? 'reference clock'}: not sent to the timekeeper` };
}

/** Only when PPS is configured; an edge is stale when older than ppsStaleMs on the system clock it was stamped with. */
function ppsMissing(s: ApplianceState, i: AlarmInputs): AlarmCondition | null {
  const p = s.pps;
  if (p.source === null || p.link === 'absent') return null;
  if (p.link === 'down') return { severity: 'major', message: `PPS source ${p.source} is down` };
  if (p.health?.condition === 'missing') return { severity: 'major', message: p.health.message };
  if (p.lastEdge === null) return { severity: 'major', message: `no PPS edge received from ${p.source} yet` };
  const edgeMs = p.lastEdge.sec * 1000 + p.lastEdge.nsec / 1e6;
  const ageMs = i.now - edgeMs;
  if (ageMs <= i.ppsStaleMs) return null;
  return { severity: 'major', message: `no PPS edge from ${p.source} for ${Math.round(ageMs / 1000)} s (last at ${isoOrRaw(edgeMs)})`, since: edgeMs + 1000 };
}

/** The PPS tracker's verdict (core/pps-tracker.ts): pulses at other than 1 Hz are not a PPS. */
function ppsWrongRate(s: ApplianceState): AlarmCondition | null {
  const h = s.pps.health;
  if (s.pps.source === null || h === null || h.condition !== 'wrong-rate') return null;
  return { severity: 'major', message: h.message };
}

/** The timekeeper reads another kernel PPS device than the one monitored (core/pps-device-agreement.ts). */
function ppsDeviceMismatch(s: ApplianceState): AlarmCondition | null {
  const d = ppsDeviceDisagreement(s);
  return d ? { severity: 'major', message: describePpsDisagreement(d) } : null;
}

/** A first failure only counts once the poller has tried (lastError set): not during startup. */
function timekeeperUnreachable(s: ApplianceState): AlarmCondition | null {
  const tk = s.timekeeper;
  if (tk.kind === 'none' || tk.reachable || tk.lastError === null) return null;
  return { severity: 'major', message: `cannot query ${tk.kind}: ${tk.lastError}` };
}

function timekeeperUnsynchronised(s: ApplianceState): AlarmCondition | null {
  const tk = s.timekeeper;
  if (tk.kind === 'none' || !tk.reachable || tk.synced !== false) return null;
  const why = tk.explanations[0];
  return { severity: 'major', message: `${tk.kind} is not synchronised${why ? `: ${why}` : ''}` };
}

function offsetOverLimit(s: ApplianceState, i: AlarmInputs): AlarmCondition | null {
  const tk = s.timekeeper;
  const off = tk.tracking?.systemOffsetS ?? null;
  if (tk.kind === 'none' || !tk.reachable || tk.synced !== true || off === null || Math.abs(off) <= i.offsetLimitS) return null;
  return {
    severity: 'major',
    message: `system clock off true time by ${formatS(off)} (limit ${formatS(i.offsetLimitS).replace(/^\+/, '')}), per ${tk.kind}`,
  };
}

/** The calibration would put the label in the second half of the second (timekeeper/calibration): refused, the previous delay stays. */
function nmeaCalibrationRefused(s: ApplianceState): AlarmCondition | null {
  const why = s.timekeeper.nmeaOffset?.refused ?? null;
  return why ? { severity: 'major', message: why } : null;
}

/** ntpd created the SHM segment first, world-writable (its default for units >= 2): any local user can feed it time. */
function ntpShmWorldWritable(s: ApplianceState): AlarmCondition | null {
  const shm = s.timekeeper.feed.shm;
  if (!shm?.worldWritable) return null;
  return { severity: 'minor', message: `NTP SHM segment is writable by every local user (mode ${shm.mode}, created by ntpd before stratum1d): any local process can feed ntpd time; stop ntpd, remove the segment (ipcs -m lists it, ipcrm -M KEY removes it), then start stratum1d before ntpd` };
}

/** DS3231 OSF / PCF8523 OS: the oscillator stopped (power lost with no battery), so the time is garbage. */
function rtcInvalid(s: ApplianceState): AlarmCondition | null {
  if (s.rtc.model === null || s.rtc.oscillatorStopped !== true) return null;
  return { severity: 'major', message: `RTC ${s.rtc.model} oscillator stopped (power lost without a working battery): its time is invalid until set from GNSS` };
}

function rtcUnreadable(s: ApplianceState): AlarmCondition | null {
  if (s.rtc.model === null || s.rtc.readable || s.rtc.lastError === null) return null;
  return { severity: 'minor', message: `RTC ${s.rtc.model} cannot be read: ${s.rtc.lastError}` };
}

function rtcBatteryLow(s: ApplianceState): AlarmCondition | null {
  if (s.rtc.model === null || s.rtc.batteryLow !== true) return null;
  return { severity: 'minor', message: `RTC ${s.rtc.model} backup battery low: replace it before the next power cut` };
}

/** Holdover's estimated time error (core/holdover.ts) past the operator's budget: time no longer traceable to spec. */
function holdoverOverBudget(s: ApplianceState): AlarmCondition | null {
  const h = s.holdover;
  if (!h || h.state !== 'holdover' || !h.overBudget || h.estimatedErrorS === null) return null;
  const ms = (x: number) => `${(x * 1000).toFixed(3)} ms`;
  return { severity: 'major', message: `in holdover since ${new Date(h.since ?? 0).toISOString()}: estimated time error ${ms(h.estimatedErrorS)} exceeds the budget of ${ms(h.budgetS)}` };
}

/** The leap indicator chronyd reports (chronyc tracking "Leap status"): a leap at the end of the announced UTC day. */
function leapAnnounced(s: ApplianceState): AlarmCondition | null {
  const leap = s.timekeeper.tracking?.leap ?? null;
  if (leap === 'insert') return { severity: 'info', message: 'leap second announced: 23:59:60 UTC will be inserted at the end of the announced day' };
  if (leap === 'delete') return { severity: 'info', message: 'leap second announced: 23:59:59 UTC will be skipped at the end of the announced day' };
  return null;
}

/** IERS leap-seconds.list carries its own expiry (`#@` line); past it, a leap second could be missed. */
function leapFileExpiring(_s: ApplianceState, i: AlarmInputs): AlarmCondition | null {
  if (i.leapFileExpiresAt === null) return null;
  const left = i.leapFileExpiresAt - i.now;
  const date = isoOrRaw(i.leapFileExpiresAt).slice(0, 10);
  if (left <= 0) return { severity: 'minor', message: `the leap-seconds file expired on ${date}: update tzdata` };
  if (left > i.leapFileWarnMs) return null;
  return { severity: 'warning', message: `the leap-seconds file expires on ${date} (in ${Math.ceil(left / 86_400_000)} days): update tzdata` };
}

function configChanged(_s: ApplianceState, i: AlarmInputs): AlarmCondition | null {
  if (i.configChangedAt === null || i.now - i.configChangedAt >= i.configChangedHoldMs) return null;
  return { severity: 'info', message: `configuration reloaded with changes at ${isoOrRaw(i.configChangedAt)}`, since: i.configChangedAt };
}

/** A reload left keys on their old value (they need a restart): the file says one thing, the daemon runs another. */
function restartNeeded(s: ApplianceState): AlarmCondition | null {
  const p = s.reload?.pendingRestart ?? [];
  if (p.length === 0) return null;
  return { severity: 'warning', message: `restart needed: ${p.map((k) => k.key).join(', ')} changed in the configuration but still run${p.length === 1 ? 's' : ''} on the old value (systemctl restart stratum1d)` };
}

/** The outbox cannot be written (disk full, read-only): telemetry is held in memory, then lost. */
function fleetOutboxError(s: ApplianceState): AlarmCondition | null {
  const f = s.fleet;
  if (!f?.enabled || f.outboxError === null) return null;
  return { severity: 'major', message: `fleet outbox: ${f.outboxError}` };
}

/**
 * Uploads keep failing. The outbox keeps everything meanwhile (within fleet.retention), so a
 * short outage is a warning; a refused token never heals by itself, so it is major.
 */
function fleetUploadFailing(s: ApplianceState): AlarmCondition | null {
  const f = s.fleet;
  if (!f?.enabled || f.lastError === null || f.consecutiveFailures < 3) return null;
  const severity = /\b401\b/.test(f.lastError) ? 'major' : 'warning';
  return { severity, message: `fleet upload failing (${f.consecutiveFailures} attempts, ${f.backlog} records waiting): ${f.lastError}` };
}

function formatS(s: number): string {
  const sign = s < 0 ? '-' : '+';
  const a = Math.abs(s);
  if (a >= 1) return `${sign}${a.toFixed(3)} s`;
  if (a >= 1e-3) return `${sign}${(a * 1e3).toFixed(3)} ms`;
  return `${sign}${(a * 1e6).toFixed(1)} µs`;
}

function isoOrRaw(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}
