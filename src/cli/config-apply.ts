import { EX_CONFIG } from '../config/load-config.js';
import { applyRendered } from '../daemon/timekeeper/apply/apply-config.js';
import { gatherFacts } from '../daemon/timekeeper/apply/gather-facts.js';
import { renderFor } from '../daemon/timekeeper/apply/preview.js';
import type { CommandRunner } from '../daemon/timekeeper/apply/run-command.js';
import { chronyTarget, ntpsecTarget } from '../daemon/timekeeper/apply/targets.js';
import { type ConfigCommandDeps, kindFromFlags, loadForCommand, offsetFromFlags } from './config-render.js';
import { type CliIo, parseFlags, UsageError } from './flags.js';
import { daemonManagesRtc as rtcManagedByDaemon } from '../config/sections/rtc.js';

const HELP = `usage: stratum1d config apply [--chrony | --ntpsec] [--config FILE] [--offset S] [--dry-run] [--json]

Renders the timekeeper configuration (see 'stratum1d config render'), validates it with the
installed binary (chronyd -p on the main config with the candidate in place; for ntpd, that
its refclock drivers are built in), writes it atomically with a .bak of the previous file,
restarts the timekeeper (timekeeper.<kind>.restartCommand) and checks that it answers. If it
does not come up, the previous file is restored and the timekeeper restarted again.
--dry-run validates and prints the diff against the installed file, changing nothing.

Exit status: 0 applied (or unchanged, or dry run), 1 rolled back (reason on stderr),
65 the candidate is invalid (nothing written), 69 the validator could not run,
78 invalid stratum1d configuration, 64 usage.`;

export async function runConfigApply(argv: string[], io: CliIo, deps: ConfigCommandDeps & { run?: CommandRunner } = {}): Promise<number> {
  const flags = parseFlags(argv, {
    chrony: 'boolean',
    ntpsec: 'boolean',
    config: 'string',
    offset: 'string',
    'dry-run': 'boolean',
    json: 'boolean',
    help: 'boolean',
  });
  if (flags.help) {
    io.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (flags._.length > 0) throw new UsageError(`unexpected argument ${flags._[0]}`);
  const loaded = loadForCommand(flags, io, deps.env);
  if (loaded === null) return EX_CONFIG;
  const kind = kindFromFlags(flags, loaded.config);
  const daemonManagesRtc = deps.daemonManagesRtc ?? rtcManagedByDaemon(loaded.config.rtc);
  const { facts, notes } = await gatherFacts(loaded.config, {
    configSource: loaded.source,
    offsetOverrideS: offsetFromFlags(flags),
    daemonManagesRtc,
    ...(deps.env ? { env: deps.env } : {}),
  });
  const rendered = renderFor(kind, loaded.config, facts);
  const target =
    kind === 'chrony'
      ? chronyTarget(loaded.config, { daemonManagesRtc, ...(deps.run ? { run: deps.run } : {}) })
      : ntpsecTarget(loaded.config, deps.run ? { run: deps.run } : {});
  const outcome = await applyRendered(target, { text: rendered.text, notes: [...notes.map((m) => ({ level: 'warn' as const, message: m })), ...rendered.notes] }, {
    dryRun: flags['dry-run'] === true,
  });
  if (flags.json) {
    io.stdout.write(`${JSON.stringify(outcome)}\n`);
  } else {
    if (outcome.diff !== '' && (outcome.status === 'dry-run' || outcome.status === 'invalid')) io.stdout.write(outcome.diff);
    for (const m of outcome.messages) io.stderr.write(`stratum1d: ${m}\n`);
  }
  return outcome.exitCode;
}
