import { VERSION } from '../daemon/version.js';
import { existsSync } from 'node:fs';
import { type CliIo, exitOnUsageError, parseFlags, UsageError } from './flags.js';

/** What `config check|render|apply` read without --config on an installed appliance. */
const INSTALLED_CONFIG = '/etc/stratum1d/config.yaml';

// Subcommands load on demand: `ssh pi@host stratum1d mcp` should not pay for the daemon,
// serialport, SQLite and the decoder before it answers its first request.

const HELP = `stratum1d ${VERSION}: a managed stratum-1 time server (GNSS + PPS + RTC)

usage: stratum1d <command> [options]

commands:
  run [--config FILE] [--simulate]   run the daemon (on real hardware, or the built-in simulator)
  status [--json]                    print the running daemon's state
  mcp [--read-only]                  MCP server on stdio (for 'ssh pi@host stratum1d mcp'), bridged to the daemon
  decode [FILE|-]                    decode a recorded NMEA log into gpsd JSON reports
  simulate [--to PATH] ...           play the simulated receiver into a tty (see scripts/sim-pty.sh)
  setup [--root DIR] [--dry-run] ... prepare a Raspberry Pi for GNSS + PPS + RTC (run as root)
  config check [FILE]                validate a configuration file (default: /etc/stratum1d/config.yaml if present)
  config render --chrony|--ntpsec    print the timekeeper configuration stratum1d would install
  config apply [--dry-run]           validate with the real binary, install, restart, roll back on failure
  config doc                         print the configuration reference (Markdown)
  config example                     print a commented starting config.yaml (every key, its default)
  collector [serve|add-device|...]   the fleet collector and its dashboard (see 'stratum1d collector --help')
  admin-run ACTION                   root side of the admin tools (run by stratum1d-admin@.service)

Run 'stratum1d <command> --help' for a command's options.`;

export function main(argv: string[], io: CliIo): Promise<number> {
  return exitOnUsageError(io, () => dispatch(argv, io));
}

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'run': {
      const f = parseFlags(rest, { config: 'string', simulate: 'boolean', help: 'boolean' });
      if (f.help) {
        io.stdout.write('usage: stratum1d run [--config FILE] [--simulate]\n');
        return 0;
      }
      if (f._.length) throw new UsageError(`unexpected argument ${f._[0]}`);
      const { runDaemon } = await import('../daemon/main.js');
      const code = await runDaemon({ configFile: (f.config as string | undefined) ?? null, simulate: f.simulate === true });
      // A driver handle that failed to close must not keep a stopped daemon alive.
      setTimeout(() => process.exit(code), 200).unref();
      return code;
    }
    case 'status':
      return await (await import('./status.js')).runStatus(rest, io);
    case 'decode':
      return await (await import('./decode.js')).runDecode(rest, io);
    case 'simulate':
      return await (await import('./simulate.js')).runSimulate(rest, io);
    case 'setup':
      return await (await import('./setup.js')).runSetup(rest, io);
    case 'mcp':
      // bin/stratum1d.js runs this from the bundle (mcp-main.ts); here for in-process callers.
      return await (await import('./mcp-main.js')).mcpCommand(rest, io);
    case 'admin-run':
      return await (await import('./admin-run.js')).runAdminRun(rest, io);
    case 'collector':
      return await (await import('./collector.js')).runCollector(rest, io);
    case 'config':
      if (rest[0] === 'example') return (await import('./config-example.js')).runConfigExample(rest.slice(1), io);
      if (rest[0] === 'render') return await (await import('./config-render.js')).runConfigRender(rest.slice(1), io);
      if (rest[0] === 'apply') return await (await import('./config-apply.js')).runConfigApply(rest.slice(1), io);
      return await runConfig(rest, io);
    case '--version':
    case 'version':
      io.stdout.write(`${VERSION}\n`);
      return 0;
    case undefined:
    case '--help':
    case 'help':
      io.stdout.write(`${HELP}\n`);
      return cmd === undefined ? 64 : 0;
    default:
      throw new UsageError(`unknown command "${cmd}"`);
  }
}

// The config modules (zod schemas) load only here: `decode` and `mcp` must not pay for them.
async function runConfig(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'doc') {
    const { renderConfigDoc } = await import('../config/config-doc.js');
    io.stdout.write(`${renderConfigDoc()}\n`);
    return 0;
  }
  if (sub === 'check') {
    if (rest.length > 1) throw new UsageError('config check takes at most one FILE');
    const file = rest[0] ?? (existsSync(INSTALLED_CONFIG) ? INSTALLED_CONFIG : null);
    const [{ loadRunnableConfig }, { ConfigError, EX_CONFIG }] = await Promise.all([import('../config/preflight.js'), import('../config/load-config.js')]);
    try {
      // The same checks as `run`: files the enabled parts need (TLS, fleet token) must be readable.
      loadRunnableConfig(file);
    } catch (err) {
      if (err instanceof ConfigError) {
        io.stderr.write(`stratum1d: ${err.message}\n`);
        return EX_CONFIG;
      }
      throw err;
    }
    io.stdout.write(`${file ?? '(defaults)'}: ok\n`);
    return 0;
  }
  throw new UsageError('config needs a subcommand: check [FILE] | render | apply | doc');
}
