import type { Config } from '../../../config/schema.js';
import type { ApplyTarget } from './apply-config.js';
import { validateChronyCandidate } from './chrony-validate.js';
import { validateNtpsecCandidate } from './ntpsec-validate.js';
import { type CommandRunner, runCommand } from './run-command.js';
import { chronyTrackingArgv, ntpqAnswered, ntpqReadvarArgv, waitUntilAnswers } from './wait-up.js';

/** A restart must finish (systemctl waits for the unit) well within this. */
const RESTART_TIMEOUT_MS = 60_000;

export function chronyTarget(config: Config, opts: { daemonManagesRtc: boolean; run?: CommandRunner }): ApplyTarget {
  const c = config.timekeeper.chrony;
  const run = opts.run ?? runCommand;
  return {
    name: 'chrony',
    installPath: c.includeFile,
    restartArgv: c.restartCommand,
    validate: (candidate) =>
      validateChronyCandidate({
        chronyd: c.chronydPath,
        mainConfig: c.mainConfig,
        includeFile: c.includeFile,
        candidate,
        daemonManagesRtc: opts.daemonManagesRtc,
        run,
      }),
    restart: () => run(c.restartCommand, { timeoutMs: RESTART_TIMEOUT_MS }),
    waitUp: () => waitUntilAnswers(chronyTrackingArgv(c.chronycPath, c.commandSocket), c.upTimeoutS * 1000, run),
  };
}

export function ntpsecTarget(config: Config, opts: { run?: CommandRunner } = {}): ApplyTarget {
  const n = config.timekeeper.ntpsec;
  const run = opts.run ?? runCommand;
  return {
    name: 'ntpsec',
    installPath: n.fragmentFile,
    restartArgv: n.restartCommand,
    validate: (candidate) => validateNtpsecCandidate({ ntpd: n.ntpdPath, candidate, run }),
    restart: () => run(n.restartCommand, { timeoutMs: RESTART_TIMEOUT_MS }),
    waitUp: () => waitUntilAnswers(ntpqReadvarArgv(n.ntpqCommand), n.upTimeoutS * 1000, run, ntpqAnswered),
  };
}
