import { join } from 'node:path';
import { ConfigError, EX_CONFIG, loadConfig } from '../config/load-config.js';
import { DEFAULT_SYSTEM_RUNTIME_DIR, isPrivilegedAction, PRIVILEGED_ACTIONS } from '../daemon/privileged/privileged-actions.js';
import { runPrivilegedAction } from '../daemon/privileged/run-action.js';
import { type CliIo, parseFlags, UsageError } from './flags.js';

const HELP = `usage: stratum1d admin-run ${PRIVILEGED_ACTIONS.join('|')} [--config FILE]

The root side of the daemon's admin tools, run by stratum1d-admin@<action>.service when the
daemon drops <action>.request in its runtime directory. It takes nothing from the daemon but
the request's id: 'apply' renders the timekeeper configuration from FILE (default
/etc/stratum1d/config.yaml) and installs it as 'stratum1d config apply' does (validate,
back up, restart, roll back); 'restart-timekeeper' restarts it and checks it answers;
'set-rtc' writes the system time into the kernel RTC. The outcome goes to
<privileged.resultDir>/<action>.result.json.

Exit status: 0 done, 1 the action failed (see the result), 64 usage, 77 not root, 78 bad config.`;

export interface AdminRunDeps {
  env?: NodeJS.ProcessEnv;
  uid?: number;
}

export async function runAdminRun(argv: string[], io: CliIo, deps: AdminRunDeps = {}): Promise<number> {
  const f = parseFlags(argv, { config: 'string', help: 'boolean' });
  if (f.help) {
    io.stdout.write(`${HELP}\n`);
    return 0;
  }
  const action = f._[0];
  if (f._.length !== 1 || action === undefined || !isPrivilegedAction(action)) throw new UsageError(`admin-run needs one action: ${PRIVILEGED_ACTIONS.join(', ')}`);
  if ((deps.uid ?? process.getuid?.() ?? 0) !== 0) {
    io.stderr.write('stratum1d: admin-run acts as root for the service; run it through stratum1d-admin@<action>.service\n');
    return 77;
  }
  const file = (f.config as string | undefined) ?? '/etc/stratum1d/config.yaml';
  const env = deps.env ?? process.env;
  let config;
  try {
    config = loadConfig(file, env);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr.write(`stratum1d: ${err.message}\n`);
      return EX_CONFIG;
    }
    throw err;
  }
  const requestDir = config.privileged.requestDir ?? join(config.paths.runtimeDir ?? DEFAULT_SYSTEM_RUNTIME_DIR, 'admin');
  const { rtcIoctlWriter } = await import('../drivers/native/rtc-ioctl.js');
  const result = await runPrivilegedAction(action, {
    config,
    configSource: file,
    requestDir,
    resultDir: config.privileged.resultDir,
    env,
    writeKernelRtc: (device, ms) => rtcIoctlWriter(device)(ms),
  });
  if (result === null) {
    io.stderr.write(`stratum1d: no usable ${action} request in ${requestDir}; nothing done\n`);
    return 0;
  }
  io.stderr.write(`stratum1d: ${action}: ${result.summary}\n`);
  return result.ok ? 0 : 1;
}
