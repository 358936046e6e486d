import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { DaemonDown, SubsystemMissing, type ApplianceApi, type AuditRecord, type Caller } from '../../../../../src/daemon/mcp/appliance-api.js';
import { initialState, type ApplianceState } from '../../../../../src/daemon/core/appliance-state.js';

/**
 * A small MCP server for transport tests, standing in for createMcpServer until it exists:
 * a read tool, an admin tool that checks the caller's role, and a tool that reaches the api
 * (so DaemonDown / SubsystemMissing travel through it).
 */
export function testServer(api: ApplianceApi, caller: Caller): McpServer {
  const server = new McpServer({ name: 'stratum1d-test', version: '0.0.0' });
  server.registerTool(
    'echo',
    { description: 'Echo text', inputSchema: { text: z.string().describe('what to echo') }, annotations: { readOnlyHint: true } },
    async ({ text }) => ({ content: [{ type: 'text', text }], structuredContent: { text, caller: caller.id, transport: caller.transport } }),
  );
  server.registerTool('get_time', { description: 'Unix time in ms', annotations: { readOnlyHint: true } }, async () => ({ content: [{ type: 'text', text: String(Date.now()) }] }));
  server.registerTool('daemon_version', { description: 'Version from the daemon state', annotations: { readOnlyHint: true } }, async () => {
    try {
      const s = await api.state();
      return { content: [{ type: 'text', text: s.version }] };
    } catch (err) {
      if (err instanceof DaemonDown) return { isError: true, content: [{ type: 'text', text: `daemon down: ${err.message}` }] };
      throw err;
    }
  });
  server.registerTool('restart_timekeeper', { description: 'Admin: restart', annotations: { destructiveHint: true } }, async () => {
    if (caller.role !== 'admin') return { isError: true, content: [{ type: 'text', text: 'restart_timekeeper needs the admin role' }] };
    try {
      return { content: [{ type: 'text', text: JSON.stringify(await api.restartTimekeeper(caller)) }] };
    } catch (err) {
      if (err instanceof SubsystemMissing) return { isError: true, content: [{ type: 'text', text: `missing ${err.subsystem}: ${err.message}; fix: ${err.fix}` }] };
      throw err;
    }
  });
  return server;
}

/** An ApplianceApi with a recorded call log; restartTimekeeper reports chrony missing. */
export class FakeApi implements ApplianceApi {
  readonly calls: Array<{ method: string; caller?: Caller }> = [];
  readonly snapshot: ApplianceState = initialState({
    version: '9.9.9-test',
    pid: 4242,
    startedAt: 0,
    mode: 'simulate',
    configSource: '(test)',
    gnssDevice: '/dev/null',
    timeValidAfter: 3,
    ppsSource: null,
    rtcModel: null,
  });

  async state(): Promise<ApplianceState> {
    this.calls.push({ method: 'state' });
    return this.snapshot;
  }
  async config(): Promise<unknown> {
    return { mcp: { keys: '[redacted]' } };
  }
  async renderTimekeeperConfig() {
    return { kind: 'chrony', path: '/etc/chrony/conf.d/stratum1d.conf', rendered: 'refclock SOCK /run/x\n', installed: null, diff: '+refclock SOCK /run/x\n', notes: [] };
  }
  async applyTimekeeperConfig(caller: Caller): Promise<unknown> {
    this.calls.push({ method: 'apply', caller });
    return { applied: true };
  }
  async restartTimekeeper(caller: Caller): Promise<unknown> {
    this.calls.push({ method: 'restart', caller });
    throw new SubsystemMissing('chrony', 'chronyd is not installed', 'apt install chrony');
  }
  async calibrateNmeaOffset(caller: Caller): Promise<unknown> {
    this.calls.push({ method: 'calibrate', caller });
    return { offsetS: 0.12 };
  }
  async setRtcFromSystem(caller: Caller): Promise<unknown> {
    this.calls.push({ method: 'setRtc', caller });
    return { set: true };
  }
  async auditLog(limit: number): Promise<AuditRecord[]> {
    return [{ id: 1, at: 0, caller: 'ssh:x', role: 'admin', transport: 'stdio', tool: 'restart_timekeeper', arguments: {}, ok: false, result: null, durationMs: 1 }].slice(0, limit);
  }
}
