import { existsSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { ConfigError, loadConfig, validateConfig } from '../config/load-config.js';
import type { Config } from '../config/schema.js';
import { substituteInclude } from '../daemon/timekeeper/apply/chrony-main-config.js';
import { kernelPpsFact, STABLE_PPS_GPIO_NAME } from '../daemon/timekeeper/apply/kernel-pps-fact.js';
import { renderChronyInclude } from '../daemon/timekeeper/render/chrony-include.js';
import { VERSION } from '../daemon/version.js';
import { removeSerialConsoles, withoutSerialConsolesSetting } from './cmdline.js';
import { bootWants, ensureConfigTxt } from './config-txt.js';
import { debianGnssDevice, detectBoot, readOrNull, rtcFromConfigTxt, under } from './detect.js';
import { fileAction, maskGettys, serviceFiles } from './system-files.js';
import type { BootInfo, SetupAction } from './setup-types.js';

export interface SetupOptions {
  /** The target system's root on this machine: `/` on the Pi, a temp dir in tests. */
  root: string;
  ppsGpio: number;
  /** null: no RTC overlay; 'detect': keep the chip config.txt already names. */
  rtc: 'ds3231' | 'pcf8523' | 'none' | 'detect';
  disableBt: boolean;
  execStart: string | null;
  /** The stratum1d config on the target, created when absent (never rewritten). */
  configFile: string;
  packageDir: string;
}

export interface SetupPlan {
  boot: BootInfo;
  rtc: 'ds3231' | 'pcf8523' | null;
  ppsKind: 'kernel' | 'gpio';
  actions: SetupAction[];
  notes: string[];
}

export function planSetup(o: SetupOptions): SetupPlan {
  const boot = detectBoot(o.root);
  const notes: string[] = [`boot partition ${boot.bootDir}; ${boot.flavour === 'raspios' ? 'Raspberry Pi OS firmware (overlays present)' : "Debian's raspi-firmware (no overlays)"}${boot.model ? `; ${boot.model}` : ''}`];
  const configTxtPath = `${boot.bootDir}/config.txt`;
  const configTxt = readOrNull(under(o.root, configTxtPath)) ?? '';
  let rtc: 'ds3231' | 'pcf8523' | null = o.rtc === 'none' ? null : o.rtc === 'detect' ? rtcFromConfigTxt(configTxt) : o.rtc;
  if (o.rtc === 'detect' && rtc === null) notes.push('no RTC chosen (none named in config.txt): give --rtc ds3231 or --rtc pcf8523 to enable one');
  // Kernel PPS needs the pps-gpio overlay; without overlays the daemon reads the GPIO line itself.
  const ppsKind = boot.flavour === 'raspios' ? 'kernel' : 'gpio';
  if (boot.flavour === 'debian' && o.disableBt) notes.push('--disable-bt ignored: Debian\'s firmware has no overlays');
  const actions: (SetupAction | null)[] = [];

  const wants = bootWants({ flavour: boot.flavour, ppsGpio: o.ppsGpio, rtc, disableBt: o.disableBt });
  const edit = ensureConfigTxt(configTxt, wants);
  actions.push(fileAction(o.root, configTxtPath, edit.text, describeBootEdit(edit.added, edit.disabled), { mode: null, reboot: true }));
  if (boot.generated) {
    // Debian appends this file to the config.txt it regenerates on every kernel update.
    const custom = '/etc/default/raspi-firmware-custom';
    const text = readOrNull(under(o.root, custom)) ?? '';
    const e = ensureConfigTxt(text, wants, { openAll: true });
    actions.push(fileAction(o.root, custom, e.text, `keep ${e.added.join(', ') || 'the settings'} across raspi-firmware updates`, { reboot: true }));
    const defaults = '/etc/default/raspi-firmware';
    const c = withoutSerialConsolesSetting(readOrNull(under(o.root, defaults)) ?? '');
    actions.push(fileAction(o.root, defaults, c.text, `no serial console in the cmdline.txt raspi-firmware generates (was ${c.removed.join(' ')})`, { reboot: true }));
  }
  const cmdlinePath = `${boot.bootDir}/cmdline.txt`;
  const cmdline = readOrNull(under(o.root, cmdlinePath));
  if (cmdline === null) notes.push(`${cmdlinePath} not found: no kernel console to remove`);
  else {
    const c = removeSerialConsoles(cmdline);
    actions.push(fileAction(o.root, cmdlinePath, c.text, `remove the serial console (${c.removed.join(' ')}) from the kernel command line`, { mode: null, reboot: true }));
  }
  actions.push(...maskGettys(o.root, boot, notes));
  actions.push(...serviceFiles(o.root, { packageDir: o.packageDir, execStart: o.execStart }, notes));

  const config = stratumConfig(o, boot, ppsKind, actions, notes);
  if (config) actions.push(chronyInclude(o.root, config, { daemonManagesRtc: boot.flavour === 'debian' && rtc !== null }, notes));
  return { boot, rtc, ppsKind, actions: actions.filter((a): a is SetupAction => a !== null), notes };
}

function describeBootEdit(added: string[], disabled: string[]): string {
  const parts = [added.length ? `add ${added.join(', ')}` : '', disabled.length ? `disable ${disabled.map((d) => d.trim()).join(', ')}` : ''].filter(Boolean);
  return parts.join('; ') || 'firmware settings';
}

/** The operator's config if there is one (only read), else the one setup writes, validated against the schema. */
function stratumConfig(o: SetupOptions, boot: BootInfo, ppsKind: 'kernel' | 'gpio', actions: (SetupAction | null)[], notes: string[]): Config | null {
  const hostPath = under(o.root, o.configFile);
  if (existsSync(hostPath)) {
    let config: Config;
    try {
      config = loadConfig(hostPath, {});
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      notes.push(`${o.configFile} is invalid, chrony include not written: ${err.problems.join('; ')}`);
      return null;
    }
    if (config.timekeeper.pps.kind !== ppsKind) {
      notes.push(`recommendation: set timekeeper.pps.kind: ${ppsKind} in ${o.configFile} (it says ${config.timekeeper.pps.kind}; ${ppsKind === 'gpio' ? 'this firmware has no pps-gpio overlay' : 'the pps-gpio overlay is installed'})`);
    }
    notes.push(`${o.configFile} exists: left as it is`);
    return config;
  }
  const gnssDevice = boot.flavour === 'raspios' ? '/dev/serial0' : debianGnssDevice(boot.model);
  const text = [
    `# stratum1d configuration, written by \`stratum1d setup\` (stratum1d ${VERSION}).`,
    '# Yours to edit: setup never rewrites it. `stratum1d config doc` lists every key.',
    'gnss:',
    `  device: ${gnssDevice}`,
    'timekeeper:',
    '  kind: chrony',
    '  pps:',
    `    # ${ppsKind === 'kernel' ? 'kernel: chronyd reads the pps-gpio source (pps-gpio overlay); device auto: the one stratum1d monitors' : 'gpio: no pps-gpio overlay here; the daemon timestamps the GPIO line and feeds chronyd'}`,
    `    kind: ${ppsKind}`,
    ...(ppsKind === 'kernel' ? ['    device: auto'] : []),
    '',
  ].join('\n');
  const config = validateConfig(parseDocument(text).toJS(), o.configFile);
  actions.push(fileAction(o.root, o.configFile, text, 'a starting stratum1d configuration', { mode: 0o644 }));
  return config;
}

function chronyInclude(root: string, config: Config, o: { daemonManagesRtc: boolean }, notes: string[]): SetupAction | null {
  if (config.timekeeper.kind !== 'chrony') {
    notes.push(`timekeeper.kind is ${config.timekeeper.kind}: no chrony include written`);
    return null;
  }
  const c = config.timekeeper.chrony;
  const pps = config.timekeeper.pps;
  const seen = kernelPpsFact({ want: config.pps.kernel.device, sysfsRoot: under(root, config.pps.kernel.sysfsRoot), devDir: under(root, '/dev') });
  const setupPps = seen.found
    ? { ...seen, found: { ...seen.found, device: `/dev/${seen.found.id}` }, stableName: seen.stableName ? `/dev/${STABLE_PPS_GPIO_NAME}` : null }
    : { want: seen.want, found: { id: 'pps0', device: '/dev/pps0', name: 'pps-gpio, after the reboot', driver: null }, reason: null, stableName: null };
  const rendered = renderChronyInclude(config, {
    generator: `stratum1d ${VERSION}`,
    configSource: 'stratum1d setup',
    nmeaOffsetS: config.timekeeper.nmeaOffset.initialS,
    offsetSource: 'timekeeper.nmeaOffset.initialS (not calibrated yet)',
    daemonManagesRtc: o.daemonManagesRtc,
    // The PPS device appears only after the reboot that loads the overlay setup just added:
    // until then pps-gpio is expected as pps0 (no other PPS source on a fresh Pi); the daemon
    // raises pps-device-mismatch if it comes up under another number.
    pathExists: (p) => (pps.kind === 'kernel' && (p === pps.device || p === setupPps.found?.device)) || existsSync(under(root, p)),
    kernelPps: setupPps,
    interfaceExists: (name) => /^[\w.:-]+$/.test(name) && existsSync(under(root, `/sys/class/net/${name}`)),
  });
  for (const n of rendered.notes) notes.push(`chrony include: ${n.message}`);
  const main = readOrNull(under(root, c.mainConfig));
  if (main === null) notes.push(`${c.mainConfig} not found: install chrony (apt install chrony)`);
  else if (substituteInclude(main, c.includeFile, c.includeFile, () => []).references === 0) {
    notes.push(`${c.mainConfig} does not load ${c.includeFile}: add \`confdir ${c.includeFile.replace(/\/[^/]*$/, '')}\` to it`);
  }
  return fileAction(root, c.includeFile, rendered.text, 'the chrony refclocks for GNSS and PPS');
}
