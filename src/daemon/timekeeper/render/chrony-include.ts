import type { Config } from '../../../config/schema.js';
import { formatSeconds, headerLines, isSafeArgs, isSafeToken, usableOffset } from './format.js';
import { ppsRefclockDevice } from './pps-refclock-device.js';
import type { RenderFacts, RenderNote, Rendered } from './render-types.js';

/**
 * chronyd's include file (chrony.conf(5), chrony 4.x). Every directive below was checked
 * against chrony.conf(5) and `chronyd -p` of chrony 4.3:
 * - `refclock PPS|SOCK ... lock NMEA refid PPS prefer`: the PPS refclock numbers its pulses
 *   from the NMEA refclock's samples (`lock refid`); each refclock needs a unique refid.
 * - `refclock SOCK path ... offset 0 delay 0.2`: chronyd creates the datagram socket and we send
 *   `struct sock_sample`s to it, already corrected by the calibrated label delay; chronyd adds
 *   `offset` to every sample, so it must stay 0. `delay` widens the label's
 *   error bound (a serial label is good to ~0.1 s). `noselect` when a PPS refclock exists: the
 *   label only numbers the pulses, it must never steer the clock itself.
 * - `leapseclist FILE` exists from chrony 4.5 only; 4.3 reports "Invalid directive", which
 *   `config apply`'s validation with the installed chronyd turns into a refusal.
 * - `rtcsync` (kernel 11-minute mode) fights a daemon that sets the RTC itself, so it is left
 *   out when the daemon manages the RTC.
 */
export function renderChronyInclude(config: Config, facts: RenderFacts): Rendered {
  const c = config.timekeeper.chrony;
  const pps = config.timekeeper.pps;
  const notes: RenderNote[] = [];
  const lines = [...headerLines(facts, 'stratum1d config render --chrony'), ''];

  let havePps = false;
  if (pps.kind === 'kernel') {
    const chosen = ppsRefclockDevice(config, facts);
    notes.push(...chosen.notes);
    if (chosen.device === null) {
      // Left out; the notes say why.
    } else if (!facts.pathExists(chosen.device)) {
      notes.push({
        level: 'warn',
        message: `${chosen.device} does not exist: PPS refclock left out (chronyd would refuse to start). Load the pps-gpio overlay, or set timekeeper.pps.kind: gpio`,
      });
    } else {
      lines.push('# PPS edges timestamped by the kernel; chronyd reads the device itself.');
      lines.push(`refclock PPS ${chosen.device} lock NMEA refid PPS prefer`);
      havePps = true;
    }
  } else if (pps.kind === 'gpio') {
    if (!isSafeToken(c.ppsSockPath)) {
      notes.push({ level: 'warn', message: `timekeeper.chrony.ppsSockPath ${JSON.stringify(c.ppsSockPath)} cannot be written into chrony.conf: PPS refclock left out` });
    } else {
      lines.push('# PPS edges timestamped by stratum1d from the GPIO line, sent as pulse samples.');
      lines.push(`refclock SOCK ${c.ppsSockPath} lock NMEA refid PPS prefer`);
      havePps = true;
    }
  }

  const offset = usableOffset(facts, notes);
  if (!isSafeToken(c.sockPath)) {
    notes.push({ level: 'warn', message: `timekeeper.chrony.sockPath ${JSON.stringify(c.sockPath)} cannot be written into chrony.conf: NMEA refclock left out` });
  } else {
    // The label delay is corrected in every sample stratum1d sends (so a new calibration applies
    // at the next epoch, without restarting chronyd); chronyd adds `offset` on top, so it stays 0
    // here or the delay would count twice.
    lines.push(`# NMEA time label from stratum1d. Its delay after the second, ${formatSeconds(offset.value)} s (${offset.source}),`);
    lines.push('# is corrected in each sample stratum1d sends, so the refclock offset is 0.');
    if (havePps) lines.push('# noselect: it only numbers the PPS pulses.');
    const select = havePps ? ' noselect' : '';
    lines.push(`refclock SOCK ${c.sockPath} refid NMEA${select} offset 0 delay 0.2`);
  }

  const access = [...directives('allow', c.allow, notes), ...directives('deny', c.deny, notes)];
  if (access.length > 0) lines.push('', '# NTP clients', ...access);

  lines.push('', ...leapDirective(config, facts, notes));
  lines.push(`makestep ${formatSeconds(c.makestep.threshold)} ${c.makestep.limit}`);
  if (facts.daemonManagesRtc) lines.push('# rtcsync left out: stratum1d keeps the RTC itself.');
  else lines.push('rtcsync');
  if (c.lockAll) lines.push('lock_all');

  const hw = hwtimestampLines(c.hwtimestamp, facts, notes);
  if (hw.length > 0) lines.push('', ...hw);
  return { text: `${lines.join('\n')}\n`, notes };
}

function directives(name: 'allow' | 'deny', values: string[], notes: RenderNote[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    if (isSafeArgs(v)) out.push(`${name} ${v.trim()}`);
    else notes.push({ level: 'warn', message: `${name} ${JSON.stringify(v)} left out: not a single-line value` });
  }
  return out;
}

function leapDirective(config: Config, facts: RenderFacts, notes: RenderNote[]): string[] {
  const c = config.timekeeper.chrony;
  if (c.leapSecondSource === 'leapseclist') {
    if (isSafeToken(c.leapSecondsFile) && facts.pathExists(c.leapSecondsFile)) {
      return ['# leapseclist needs chrony 4.5 or later.', `leapseclist ${c.leapSecondsFile}`];
    }
    notes.push({ level: 'warn', message: `leap seconds file ${c.leapSecondsFile} is missing or unusable: using leapsectz right/UTC instead` });
  }
  if (!facts.pathExists('/usr/share/zoneinfo/right/UTC')) {
    notes.push({ level: 'warn', message: '/usr/share/zoneinfo/right/UTC is missing (install tzdata): chronyd will not know of leap seconds in advance' });
  }
  return ['leapsectz right/UTC'];
}

function hwtimestampLines(ifaces: string[], facts: RenderFacts, notes: RenderNote[]): string[] {
  const out: string[] = [];
  for (const name of ifaces) {
    if (!isSafeToken(name)) {
      notes.push({ level: 'warn', message: `hwtimestamp ${JSON.stringify(name)} left out: not an interface name` });
    } else if (name !== '*' && !facts.interfaceExists(name)) {
      notes.push({ level: 'warn', message: `hwtimestamp ${name} left out: no such network interface` });
    } else {
      out.push(`hwtimestamp ${name}`);
    }
  }
  return out;
}
