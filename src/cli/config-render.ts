import { existsSync } from 'node:fs';
import type { Config } from '../config/schema.js';
import { ConfigError, EX_CONFIG, loadConfig } from '../config/load-config.js';
import { gatherFacts } from '../daemon/timekeeper/apply/gather-facts.js';
import { renderFor, type TimekeeperKind } from '../daemon/timekeeper/apply/preview.js';
import { type CliIo, type ParsedFlags, parseFlags, UsageError } from './flags.js';
import { daemonManagesRtc as rtcManagedByDaemon } from '../config/sections/rtc.js';

const HELP = `usage: stratum1d config render [--chrony | --ntpsec] [--config FILE] [--offset S]

Prints the chrony include (--chrony) or the ntpsec ntp.conf fragment (--ntpsec) the daemon
would install; the default is timekeeper.kind. Needs no running daemon: the NMEA offset is
--offset S, else the calibration persisted in the state directory (nmea-offset.json), else
timekeeper.nmeaOffset.initialS. What was left out (e.g. a PPS device that does not exist)
is explained on stderr. Exit status: 0, 64 usage, 78 invalid configuration.`;

/** Hooks the daemon's wiring may supply; the CLI defaults suit a hand-run command. */
export interface ConfigCommandDeps {
  /** stratum1d disciplines the RTC itself, so chronyd's `rtcsync` is left out. */
  daemonManagesRtc?: boolean;
  env?: NodeJS.ProcessEnv;
}

export async function runConfigRender(argv: string[], io: CliIo, deps: ConfigCommandDeps = {}): Promise<number> {
  const flags = parseFlags(argv, { chrony: 'boolean', ntpsec: 'boolean', config: 'string', offset: 'string', help: 'boolean' });
  if (flags.help) {
    io.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (flags._.length > 0) throw new UsageError(`unexpected argument ${flags._[0]}`);
  const loaded = loadForCommand(flags, io, deps.env);
  if (loaded === null) return EX_CONFIG;
  const kind = kindFromFlags(flags, loaded.config);
  const { facts, notes } = await gatherFacts(loaded.config, {
    configSource: loaded.source,
    offsetOverrideS: offsetFromFlags(flags),
    daemonManagesRtc: deps.daemonManagesRtc ?? rtcManagedByDaemon(loaded.config.rtc),
    ...(deps.env ? { env: deps.env } : {}),
  });
  const rendered = renderFor(kind, loaded.config, facts);
  for (const n of notes) io.stderr.write(`stratum1d: warn: ${n}\n`);
  for (const n of rendered.notes) io.stderr.write(`stratum1d: ${n.level}: ${n.message}\n`);
  io.stdout.write(rendered.text);
  return 0;
}

export const INSTALLED_CONFIG = '/etc/stratum1d/config.yaml';

/** Shared by `config render` and `config apply`: the config, or null after printing why not. */
export function loadForCommand(flags: ParsedFlags, io: CliIo, env?: NodeJS.ProcessEnv): { config: Config; source: string } | null {
  const file = (flags.config as string | undefined) ?? installedConfig();
  try {
    return { config: loadConfig(file, env), source: file ?? '(defaults)' };
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr.write(`stratum1d: ${err.message}\n`);
      return null;
    }
    throw err;
  }
}

export function kindFromFlags(flags: ParsedFlags, config: Config): TimekeeperKind {
  if (flags.chrony && flags.ntpsec) throw new UsageError('give one of --chrony and --ntpsec');
  if (flags.chrony) return 'chrony';
  if (flags.ntpsec) return 'ntpsec';
  if (config.timekeeper.kind === 'none') throw new UsageError('timekeeper.kind is none: say --chrony or --ntpsec');
  return config.timekeeper.kind;
}

export function offsetFromFlags(flags: ParsedFlags): number | null {
  if (flags.offset === undefined) return null;
  const text = String(flags.offset);
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || Math.abs(v) > 1) throw new UsageError(`--offset ${text}: give seconds within +-1 (e.g. 0.135)`);
  return v;
}

/** On an installed appliance the operator's file is the one to render from, not the defaults. */
export function installedConfig(exists: (p: string) => boolean = existsSync): string | null {
  return exists(INSTALLED_CONFIG) ? INSTALLED_CONFIG : null;
}
