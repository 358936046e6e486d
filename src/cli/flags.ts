/** Streams a subcommand writes to; injected so tests run subcommands in-process. */
export interface CliIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** A command-line mistake: printed with the usage hint, exit 64 (EX_USAGE). */
export class UsageError extends Error {}

type FlagSpec = Record<string, 'boolean' | 'string'>;

/** `--name value`, `--name=value` and boolean `--name`; the rest are positionals in `_`. */
export type ParsedFlags = { _: string[] } & { [name: string]: string | boolean | string[] | undefined };

export function parseFlags(argv: string[], spec: FlagSpec): ParsedFlags {
  const out: ParsedFlags = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out._.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--') || a === '-') {
      out._.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const kind = spec[name];
    if (!kind) throw new UsageError(`unknown option --${name} (known: ${Object.keys(spec).map((k) => `--${k}`).join(', ')})`);
    if (kind === 'boolean') {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      out[name] = true;
    } else if (eq >= 0) {
      out[name] = a.slice(eq + 1);
    } else {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`--${name} needs a value`);
      out[name] = v;
    }
  }
  return out;
}

/** Runs a subcommand; a UsageError becomes the message, the usage hint and exit 64. */
export async function exitOnUsageError(io: CliIo, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`stratum1d: ${err.message}\nRun 'stratum1d --help' for usage.\n`);
      return 64;
    }
    throw err;
  }
}
