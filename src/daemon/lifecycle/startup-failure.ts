import { EX_CONFIG, type ConfigError } from '../../config/load-config.js';
import { stderrIsJournal } from '../logger.js';
import { writeExitRecord } from './exit-record.js';

/** A listener that cannot bind (port taken, another daemon) is worth retrying later: EX_TEMPFAIL. */
export const EX_TEMPFAIL = 75;
/** A startup failure nobody foresaw: EX_SOFTWARE, after everything started so far is stopped. */
export const EX_SOFTWARE = 70;

/** Thrown inside start-up: stop what started, log `message`, exit with `code`. */
export class StartupFailure extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly fields: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function asStartupFailure(err: unknown): StartupFailure {
  return err instanceof StartupFailure ? err : new StartupFailure(EX_SOFTWARE, `startup failed: ${(err as Error).message}`, { stack: (err as Error).stack });
}

/** A configuration that cannot run: said on stderr and in the exit record, before any logger exists. */
export async function configErrorExit(err: ConfigError, env: NodeJS.ProcessEnv): Promise<number> {
  // One entry per line at error priority, so `journalctl -p err -u stratum1d` shows the key.
  const prefix = stderrIsJournal(env) ? '<3>' : '';
  process.stderr.write(`stratum1d: ${err.message}`.split('\n').map((l) => `${prefix}${l}\n`).join(''));
  if (env.STATE_DIRECTORY) {
    const record = { at: new Date().toISOString(), code: EX_CONFIG, reason: 'configuration' as const, source: err.source, problems: err.problems };
    await writeExitRecord(env.STATE_DIRECTORY.split(':')[0]!, record).catch(() => undefined);
  }
  return EX_CONFIG;
}
