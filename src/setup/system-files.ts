import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { hasUser, readOrNull, under } from './detect.js';
import type { BootInfo, SetupAction } from './setup-types.js';

/** A file action when the content differs from what is there; null when it is already right. */
export function fileAction(root: string, path: string, after: string, why: string, o: { mode?: number | null; reboot?: boolean } = {}): SetupAction | null {
  const hostPath = under(root, path);
  const before = readOrNull(hostPath);
  if (before === after) return null;
  return { kind: 'file', path, hostPath, before, after, mode: o.mode === undefined ? 0o644 : o.mode, why, reboot: o.reboot ?? false };
}

/**
 * Masking = a symlink to /dev/null in /etc/systemd/system (systemctl(1) `mask` makes the same
 * link), so neither the getty generator nor an `enable` starts a login prompt on the GNSS UART.
 * A real file there is an operator's override: left alone, with a note.
 */
export function maskGettys(root: string, boot: BootInfo, notes: string[]): SetupAction[] {
  const ttys = boot.flavour === 'debian' ? ['ttyAMA0', 'ttyS0', 'ttyS1'] : ['ttyAMA0', 'ttyS0'];
  const out: SetupAction[] = [];
  for (const tty of ttys) {
    const path = `/etc/systemd/system/serial-getty@${tty}.service`;
    const hostPath = under(root, path);
    let st;
    try {
      st = lstatSync(hostPath);
    } catch {
      out.push({ kind: 'symlink', path, hostPath, target: '/dev/null', why: `mask the login prompt on ${tty}, the GNSS receiver's UART` });
      continue;
    }
    if (st.isSymbolicLink() && readlinkSync(hostPath) === '/dev/null') continue;
    notes.push(`${path} exists and is not a mask: left alone (remove it and re-run to mask the serial getty on ${tty})`);
  }
  return out;
}

export interface UnitOptions {
  packageDir: string;
  /** Replaces the unit's ExecStart binary (/usr/bin/stratum1d) when stratum1d lives elsewhere. */
  execStart: string | null;
}

/**
 * The unit and sysusers.d file, unless a package installed them under /usr/lib (a copy in /etc
 * would shadow the packaged one forever); the drop-in adding the pps group; the udev rules.
 */
export function serviceFiles(root: string, o: UnitOptions, notes: string[]): SetupAction[] {
  const actions: (SetupAction | null)[] = [];
  const packagedUnit = ['/usr/lib/systemd/system/stratum1d.service', '/lib/systemd/system/stratum1d.service'].find((p) => existsSync(under(root, p)));
  if (packagedUnit) {
    notes.push(`${packagedUnit} is installed by a package: not copied to /etc/systemd/system`);
  } else {
    let unit = readOrNull(join(o.packageDir, 'systemd/stratum1d.service'));
    if (unit === null) throw new Error(`systemd/stratum1d.service missing from ${o.packageDir}`);
    if (o.execStart !== null) unit = unit.replace(/^ExecStart=\S+/m, `ExecStart=${o.execStart}`);
    actions.push(fileAction(root, '/etc/systemd/system/stratum1d.service', unit, 'the stratum1d service'));
    actions.push(...unpackagedCompanions(root, o));
  }
  const packagedUsers = ['/usr/lib/sysusers.d/stratum1d.conf', '/lib/sysusers.d/stratum1d.conf'].some((p) => existsSync(under(root, p)));
  if (!packagedUsers) {
    const users = readOrNull(join(o.packageDir, 'systemd/stratum1d.sysusers.conf'));
    if (users === null) throw new Error(`systemd/stratum1d.sysusers.conf missing from ${o.packageDir}`);
    actions.push(fileAction(root, '/etc/sysusers.d/stratum1d.conf', users, 'the stratum1d user and its device groups'));
  }
  const chrony = hasUser(root, '_chrony');
  if (!chrony) notes.push('user _chrony not found (chrony not installed?): only stratum1d joins the pps group; re-run setup after installing chrony');
  const ppsUsers = [
    '# sysusers.d(5), written by `stratum1d setup`: /dev/ppsN belong to group pps (60-stratum1d.rules);',
    '# the daemon and chronyd read them.',
    'g     pps       -',
    'm     stratum1d pps',
    ...(chrony ? ['m     _chrony   pps'] : []),
  ];
  actions.push(fileAction(root, '/etc/sysusers.d/stratum1d-pps.conf', `${ppsUsers.join('\n')}\n`, 'the pps device group'));
  actions.push(
    fileAction(
      root,
      '/etc/systemd/system/stratum1d.service.d/10-pps-group.conf',
      '# Written by `stratum1d setup`: /dev/ppsN belong to group pps (60-stratum1d.rules).\n[Service]\nSupplementaryGroups=pps\n',
      'give the service the pps group',
    ),
  );
  const packagedRules = ['/usr/lib/udev/rules.d/60-stratum1d.rules', '/lib/udev/rules.d/60-stratum1d.rules'].find((p) => existsSync(under(root, p)));
  if (packagedRules) {
    notes.push(`${packagedRules} is installed by a package: not copied to /etc/udev/rules.d`);
  } else {
    const rules = readOrNull(join(o.packageDir, 'systemd/stratum1d-udev.rules'));
    if (rules === null) throw new Error(`systemd/stratum1d-udev.rules missing from ${o.packageDir}`);
    actions.push(fileAction(root, '/etc/udev/rules.d/60-stratum1d.rules', rules, 'device access for PPS, GPIO and I2C'));
  }
  return actions.filter((a): a is SetupAction => a !== null);
}

/**
 * What the package installs beside the unit, for an install without it (npm): the privileged
 * admin units, the tmpfiles entry for chronyd's socket directory and the admin results, and
 * the chrony drop-in that hands chronyd's SOCK sockets to group stratum1d.
 */
function unpackagedCompanions(root: string, o: UnitOptions): (SetupAction | null)[] {
  const read = (name: string): string => {
    const text = readOrNull(join(o.packageDir, 'systemd', name));
    if (text === null) throw new Error(`systemd/${name} missing from ${o.packageDir}`);
    return text;
  };
  const exec = o.execStart ?? '/usr/bin/stratum1d';
  const admin = read('stratum1d-admin@.service').replace(/^ExecStart=\S+/m, `ExecStart=${exec}`);
  const dropIn = read('chrony-stratum1d.conf').replace('/usr/lib/stratum1d/libexec/chrony-socket-access', join(o.packageDir, 'systemd/chrony-socket-access'));
  return [
    fileAction(root, '/etc/systemd/system/stratum1d-admin@.service', admin, 'the root side of the admin tools'),
    fileAction(root, '/etc/systemd/system/stratum1d-admin@.path', read('stratum1d-admin@.path'), 'start it when the daemon asks'),
    fileAction(root, '/etc/tmpfiles.d/stratum1d.conf', read('stratum1d.tmpfiles.conf'), "chronyd's socket directory and the admin results"),
    fileAction(root, '/etc/systemd/system/chrony.service.d/stratum1d.conf', dropIn, "give chronyd's SOCK sockets to group stratum1d"),
  ];
}
