import { userInfo } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { clientSocketPath } from '../config/paths.js';
import type { Config } from '../config/schema.js';
import type { McpConfig } from '../config/sections/mcp.js';
import type { Caller } from '../daemon/mcp/appliance-api.js';
import { ControlApi } from '../daemon/mcp/control-api.js';
import type { McpServerFactory } from '../daemon/mcp/http/session-context.js';
import { StdioJsonRpcTransport } from '../daemon/mcp/transports/stdio-transport.js';
import { type CliIo, parseFlags, UsageError } from './flags.js';

const HELP = `usage: stratum1d mcp [--socket PATH] [--config FILE] [--read-only]
       stratum1d mcp hash-key < keyfile

Serves MCP on stdin/stdout for an assistant (e.g. over SSH:
  {"command": "ssh", "args": ["pi@timepi.local", "stratum1d", "mcp"]}),
talking to the running daemon over its control socket. Nothing but protocol goes to
stdout; diagnostics go to stderr. With the daemon down the time tools still answer from
this machine's clock and the health tools report the daemon as down.

Role from your uid and groups, as the daemon reads them from the kernel: root and
members of control.adminGroups (default stratum1d-admin) get the admin tools, members
of group stratum1d the read-only ones; --read-only withholds admin tools from this session.

hash-key reads an API key on stdin and prints the sha256 to put in mcp.keys[].sha256.`;

/** Largest stdio message accepted without a config file (mcp.maxMessageBytes's default). */
const DEFAULT_MAX_MESSAGE = 1024 * 1024;

export interface McpCliDeps {
  /** `createMcpServer` from daemon/mcp/server. */
  createServer?: McpServerFactory;
  /** Or its loader, called once the control socket requests are on their way. */
  loadServer?: () => Promise<McpServerFactory>;
}

export async function runMcp(argv: string[], io: CliIo, deps: McpCliDeps): Promise<number> {
  if (argv[0] === 'hash-key') return hashKeyCommand(argv.slice(1), io);
  const flags = parseFlags(argv, { socket: 'string', config: 'string', 'read-only': 'boolean', help: 'boolean' });
  if (flags.help) {
    io.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (flags._.length > 0) throw new UsageError(`unexpected argument ${flags._[0]}`);
  let config: Config | null = null;
  if (flags.config) {
    // The config schema and its YAML parser cost a tenth of a second to load: only with --config
    // (the socket path and the message bound have defaults), so a first answer does not wait for them.
    const { ConfigError, EX_CONFIG, loadConfig } = await import('../config/load-config.js');
    try {
      config = loadConfig(flags.config as string);
    } catch (err) {
      if (err instanceof ConfigError) {
        io.stderr.write(`stratum1d: ${err.message}\n`);
        return EX_CONFIG;
      }
      throw err;
    }
  }
  const socket = (flags.socket as string | undefined) ?? clientSocketPath(config);
  // Identity and role come from the daemon, which reads them from the kernel (SO_PEERCRED).
  const api = new ControlApi(socket);
  // get_time's quality by subscription, opened alongside whoami (quality-feed.ts); both travel
  // while the MCP server's modules load.
  api.subscribeQuality();
  const who = api.whoami({ readOnly: flags['read-only'] === true, fallbackId: `ssh:${currentUser()}` });
  const createServer = deps.createServer ?? (await deps.loadServer!());
  const caller: Caller = await who;
  const server = createServer(api, caller);
  // Each refused line at debug level (log.level or STRATUM1D_LOG__LEVEL); a summary by reason at the end.
  const debug = (config?.log.level ?? process.env.STRATUM1D_LOG__LEVEL) === 'debug';
  const transport = new StdioJsonRpcTransport(io.stdin as Readable, io.stdout as Writable, {
    // `mcp` joins the schema with this issue; read defensively until it is wired.
    maxMessageBytes: (config as { mcp?: McpConfig } | null)?.mcp?.maxMessageBytes ?? DEFAULT_MAX_MESSAGE,
    onReject: debug
      ? (r) => io.stderr.write(`stratum1d mcp: line ${r.line} rejected (${r.reason}): ${r.detail}${r.answered ? '' : ' [not answered]'}\n`)
      : undefined,
  });
  transport.onerror = (err) => io.stderr.write(`stratum1d mcp: ${err.message}\n`);
  const closed = new Promise<void>((resolve) => {
    // The client hanging up (end of stdin: SSH closed) ends the session.
    io.stdin.once('end', resolve);
    io.stdin.once('close', resolve);
    // Chained: the server keeps its own close handling (status subscriptions).
    const prev = server.server.onclose;
    server.server.onclose = () => {
      prev?.();
      resolve();
    };
  });
  await server.connect(transport);
  io.stderr.write(`stratum1d mcp: serving on stdio as ${caller.id} (${caller.role}); daemon at ${socket}\n`);
  await closed;
  await server.close().catch(() => undefined);
  api.close();
  const st = transport.stats;
  if (st.rejected.total > 0) io.stderr.write(`stratum1d mcp: rejected ${st.rejected.total} of ${st.lines} lines: ${st.rejected.summary()}\n`);
  return 0;
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? `uid${process.getuid?.() ?? '?'}`;
  }
}

async function hashKeyCommand(argv: string[], io: CliIo): Promise<number> {
  if (argv.length > 0) throw new UsageError('hash-key reads the key on stdin and takes no arguments (a key on the command line would land in shell history)');
  let text = '';
  for await (const chunk of io.stdin) text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
  const key = text.replace(/\r?\n$/, '');
  if (key.length < 16) {
    io.stderr.write('stratum1d: a key needs at least 16 characters (e.g. `openssl rand -hex 32`)\n');
    return 65; // EX_DATAERR
  }
  const { hashKey } = await import('../daemon/mcp/auth/api-keys.js');
  io.stdout.write(`${hashKey(key)}\n`);
  return 0;
}
