import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandRunner } from '../daemon/timekeeper/apply/run-command.js';
import { runCommand, describeResult } from '../daemon/timekeeper/apply/run-command.js';
import { applyActions, describeAction } from '../setup/apply-plan.js';
import { planSetup, type SetupOptions } from '../setup/plan.js';
import { SetupError, type SetupAction } from '../setup/setup-types.js';
import { type CliIo, parseFlags, UsageError } from './flags.js';

const HELP = `usage: stratum1d setup [--root DIR] [--dry-run] [--pps-gpio N] [--rtc ds3231|pcf8523|none]
                       [--disable-bt] [--exec-start PATH] [--config FILE]

Prepares a Raspberry Pi for GNSS + PPS + RTC (run as root): enable_uart=1, the pps-gpio and
i2c-rtc overlays (Raspberry Pi OS; Debian's firmware has no overlays, so PPS goes through the
GPIO character device and the config says timekeeper.pps.kind: gpio), no serial console on
the kernel command line, the serial getty masked, the systemd unit, udev rules giving the
service and _chrony the PPS and GPIO devices, a starting /etc/stratum1d/config.yaml (only if
there is none) and the chrony include. Every changed file is backed up as <file>.stratum1d-bak.
Running it again changes nothing. --dry-run prints the diff and changes nothing.

  --root DIR        the target's root (default /); systemctl/udevadm run only when it is /
  --pps-gpio N      BCM GPIO of the PPS input (default 18)
  --rtc CHIP        ds3231, pcf8523 or none (default: the chip config.txt already names)
  --disable-bt      give the PL011 UART to the GPIO pins (dtoverlay=disable-bt)
  --exec-start PATH the stratum1d binary the unit runs (default /usr/bin/stratum1d)
  --config FILE     the stratum1d config on the target (default /etc/stratum1d/config.yaml)

Exit status: 0 done (or nothing to do), 1 a post-install command failed, 64 usage, 72 no boot partition.`;

export interface SetupDeps {
  run?: CommandRunner;
  /** Where systemd/stratum1d.service and friends are (the package root). */
  packageDir?: string;
}

const PACKAGE_DIR = fileURLToPath(new URL('../../', import.meta.url));

export async function runSetup(argv: string[], io: CliIo, deps: SetupDeps = {}): Promise<number> {
  const f = parseFlags(argv, { root: 'string', 'dry-run': 'boolean', 'pps-gpio': 'string', rtc: 'string', 'disable-bt': 'boolean', 'exec-start': 'string', config: 'string', help: 'boolean' });
  if (f.help) {
    io.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (f._.length > 0) throw new UsageError(`unexpected argument ${f._[0]}`);
  const gpioText = (f['pps-gpio'] as string | undefined) ?? '18';
  const ppsGpio = Number(gpioText);
  if (!/^\d+$/.test(gpioText) || ppsGpio > 57) throw new UsageError(`--pps-gpio ${gpioText}: give a BCM GPIO number (0-57)`);
  const rtc = (f.rtc as string | undefined) ?? 'detect';
  if (!['ds3231', 'pcf8523', 'none', 'detect'].includes(rtc)) throw new UsageError(`--rtc ${rtc}: give ds3231, pcf8523 or none`);
  const execStart = (f['exec-start'] as string | undefined) ?? null;
  if (execStart !== null && !/^\/\S+$/.test(execStart)) throw new UsageError('--exec-start needs an absolute path without spaces');
  const root = resolve((f.root as string | undefined) ?? '/');
  const dryRun = f['dry-run'] === true;
  const options: SetupOptions = {
    root,
    ppsGpio,
    rtc: rtc as SetupOptions['rtc'],
    disableBt: f['disable-bt'] === true,
    execStart,
    configFile: (f.config as string | undefined) ?? '/etc/stratum1d/config.yaml',
    packageDir: deps.packageDir ?? PACKAGE_DIR,
  };
  let plan;
  try {
    plan = planSetup(options);
  } catch (err) {
    if (err instanceof SetupError) {
      io.stderr.write(`stratum1d: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
  for (const n of plan.notes) io.stderr.write(`stratum1d: ${n}\n`);
  if (plan.actions.length === 0) {
    io.stdout.write('stratum1d setup: everything is already in place; nothing changed\n');
    return 0;
  }
  if (dryRun) {
    for (const a of plan.actions) io.stdout.write(describeAction(a));
    io.stdout.write(`stratum1d setup: dry run, ${plan.actions.length} change(s) not made\n`);
    return 0;
  }
  for (const line of await applyActions(plan.actions)) io.stdout.write(`${line}\n`);
  let code = 0;
  if (root === '/') code = await activate(plan.actions, deps.run ?? runCommand, io);
  else io.stdout.write(`--root ${root}: systemctl, systemd-sysusers and udevadm not run\n`);
  if (plan.actions.some((a) => a.kind === 'file' && a.reboot)) io.stdout.write('stratum1d setup: reboot for the firmware and kernel command line changes to take effect\n');
  return code;
}

/** Only on the real root: make systemd and udev pick up what was written. */
async function activate(actions: readonly SetupAction[], run: CommandRunner, io: CliIo): Promise<number> {
  const paths = actions.map((a) => a.path);
  const ttys = paths.map((p) => /serial-getty@(\w+)\.service$/.exec(p)?.[1]).filter((x): x is string => x !== undefined);
  const steps: string[][] = [['systemctl', 'daemon-reload']];
  if (paths.some((p) => p.startsWith('/etc/sysusers.d/'))) steps.push(['systemd-sysusers']);
  if (paths.some((p) => p.startsWith('/etc/udev/'))) steps.push(['udevadm', 'control', '--reload'], ['udevadm', 'trigger', '--subsystem-match=pps', '--subsystem-match=gpio', '--subsystem-match=i2c-dev']);
  for (const tty of ttys) steps.push(['systemctl', 'stop', `serial-getty@${tty}.service`]);
  if (paths.includes('/etc/systemd/system/stratum1d.service')) steps.push(['systemctl', 'enable', 'stratum1d.service']);
  let code = 0;
  for (const argv of steps) {
    const r = await run(argv, { timeoutMs: 60_000 });
    if (r.code === 0) io.stdout.write(`ran: ${argv.join(' ')}\n`);
    else {
      io.stderr.write(`stratum1d: ${describeResult(argv, r)}\n`);
      code = 1;
    }
  }
  return code;
}
