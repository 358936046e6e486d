import { type CliIo, exitOnUsageError } from './flags.js';

/**
 * `stratum1d mcp`'s own entry point. bin/stratum1d.js starts the bridge from its bundle
 * (dist/bundle/, built from this file by scripts/bundle-mcp.mjs): an assistant waits for
 * its first answer while ~150 ES modules (ours, the MCP SDK, zod, ajv) are resolved and
 * read one by one, and one bundled file is most of that wait saved. Nothing here may
 * reach the rest of the CLI: the bundle holds what this file imports.
 */
export function main(argv: string[], io: CliIo): Promise<number> {
  return exitOnUsageError(io, () => mcpCommand(argv.slice(1), io));
}

export async function mcpCommand(argv: string[], io: CliIo): Promise<number> {
  // The MCP server's modules load while the bridge's first requests to the daemon travel.
  const { runMcp } = await import('./mcp.js');
  return await runMcp(argv, io, { loadServer: async () => (await import('../daemon/mcp/server/create-server.js')).createMcpServer });
}
