import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { Protocol } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { VERSION } from '../../version.js';
import type { ApplianceApi, Caller } from '../appliance-api.js';
import { wallClock } from '../time/wall-clock.js';
import { adminTools } from '../tools/admin-tools.js';
import { diagnosticTools } from '../tools/diagnostic-tools.js';
import { timeTools } from '../tools/time-tools.js';
import { timekeepingTools } from '../tools/timekeeping-tools.js';
import { annotationsOf, type ToolContext, type ToolDef } from '../tools/tool-def.js';
import { callTool } from './call-tool.js';
import { registerPrompts } from './prompts.js';
import { registerResources } from './resources.js';

/** tools/call with whatever params: checked by the handler, so a mistake gets a sentence rather than a zod dump. */
const ANY_TOOLS_CALL = z.object({ method: z.literal('tools/call'), params: z.unknown() });

export const ALL_TOOLS: readonly ToolDef[] = [...timeTools, ...timekeepingTools, ...diagnosticTools, ...adminTools];

const INSTRUCTIONS =
  'stratum1d: a GNSS/PPS stratum-1 time server. Time tools (get_time, convert_time, …) answer even when the daemon is down; ' +
  'status tools (get_health, get_ntp_status, explain_sync, …) read the live appliance. Admin tools need the admin role and are audited. ' +
  'The diagnose_time_server prompt walks through a diagnosis.';

export interface CreateServerOptions {
  version?: string;
  /** Wall-clock ns since the epoch, for tests; default: the anchored wall clock (time/wall-clock.ts). */
  now?: () => bigint;
  /** Poll interval for status subscriptions when the API has no watch(); default 2000 ms. */
  statusPollMs?: number;
}

/**
 * One MCP server per session/connection, bound to one caller (identity and role are fixed
 * when the transport authenticates the connection). The transport owns connect()/close().
 */
export function createMcpServer(api: ApplianceApi, caller: Caller, opts: CreateServerOptions = {}): McpServer {
  const nowNs = opts.now ?? (() => wallClock.now());
  const server = new McpServer(
    { name: 'stratum1d', version: opts.version ?? VERSION },
    { capabilities: { tools: {}, resources: {}, prompts: {} }, instructions: INSTRUCTIONS },
  );
  const ctx: ToolContext = { api, caller, nowNs };
  const tools = new Map(ALL_TOOLS.map((t) => [t.name, t]));
  // tools/list shows a caller only what its role may call; tools/call still knows every tool,
  // so an admin tool called by a read caller is refused and audited rather than "unknown".
  for (const t of ALL_TOOLS.filter((x) => x.access === 'read' || caller.role === 'admin')) {
    // Registered for tools/list (the SDK renders the JSON Schemas); calls go through callTool below.
    server.registerTool(t.name, { title: t.title, description: t.description, inputSchema: t.input, outputSchema: t.output, annotations: annotationsOf(t) }, ((args: unknown) =>
      callTool(tools, t.name, args, ctx)) as never);
  }
  // Replaces McpServer's tools/call handler: -32602 for bad arguments and unknown tools (see call-tool.ts).
  // Installed through Protocol's setRequestHandler with a schema that takes any params: both
  // CallToolRequestSchema and Server's wrapper would answer a missing `name` with a raw zod dump
  // (-32603, or -32602 "Invalid tools/call request: [...]"); this says it in one sentence.
  // Our results are CallToolResults by construction (callTool), so Server's re-check adds nothing.
  Protocol.prototype.setRequestHandler.call(server.server, ANY_TOOLS_CALL as never, ((req: { params?: unknown }) => {
    const p = req.params as { name?: unknown; arguments?: unknown } | undefined;
    if (typeof p?.name !== 'string') throw new McpError(ErrorCode.InvalidParams, 'tools/call needs params.name: the name of a tool from tools/list');
    return callTool(tools, p.name, p.arguments, ctx);
  }) as never);
  registerPrompts(server);
  const resources = registerResources(server, api, () => Number(nowNs() / 1_000_000n), opts.statusPollMs);
  const prevClose = server.server.onclose;
  server.server.onclose = () => {
    resources.close();
    prevClose?.();
  };
  return server;
}
