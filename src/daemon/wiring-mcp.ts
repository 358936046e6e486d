import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import type { McpConfig } from '../config/sections/mcp.js';
import type { ApplianceStore } from './core/appliance-state.js';
import type { ControlServer } from './control/control-server.js';
import type { Logger } from './logger.js';
import type { AuditStore } from './mcp/audit/audit-store.js';
import { registerMcpControlMethods } from './mcp/control-methods.js';
import { DaemonApi, type DaemonApiDeps } from './mcp/daemon-api.js';
import type { McpNetwork } from './mcp/http/mcp-network.js';
import type { NmeaCalibrationService } from './timekeeper/calibration/nmea-calibration-service.js';
import type { ApplyOutcome } from './timekeeper/apply/apply-config.js';
import type { CommandResult } from './timekeeper/apply/run-command.js';
import { privilegedMode, type PrivilegedAction } from './privileged/privileged-actions.js';
import { noteLoaded } from './wiring-loaded.js';

// Footprint: the MCP SDK, ws/hono (network listener), better-sqlite3 (audit store) and the
// timekeeper apply machinery are imported when first needed, not at startup. A daemon with
// `mcp.enabled: false` whose operators never call an admin tool never loads them.
const loadNetwork = async () => {
  const [net, server] = await Promise.all([import('./mcp/http/mcp-network.js'), import('./mcp/server/create-server.js')]);
  noteLoaded('mcp-network');
  return { startMcpNetwork: net.startMcpNetwork, createMcpServer: server.createMcpServer };
};
const loadApply = async () => {
  const [apply, facts, preview, targets] = await Promise.all([
    import('./timekeeper/apply/apply-config.js'),
    import('./timekeeper/apply/gather-facts.js'),
    import('./timekeeper/apply/preview.js'),
    import('./timekeeper/apply/targets.js'),
  ]);
  noteLoaded('timekeeper-apply');
  return { ...apply, ...facts, ...preview, ...targets };
};

export interface McpWiring {
  network: McpNetwork | null;
  /** The audit store, opened at its first use (so a daemon nobody audits never needs it). */
  audit: DaemonApiDeps['audit'];
  /**
   * SIGHUP with a changed `mcp` section: the network listener is stopped (every open session
   * and connection with it, so a removed key is refused from now on) and started on the new
   * settings. If the new one cannot start, the old settings are started again and this rejects.
   */
  restartNetwork(config: McpConfig): Promise<void>;
  stop(): Promise<void>;
}

export interface McpWiringDeps {
  config: () => Config;
  configSource: string;
  env: NodeJS.ProcessEnv;
  store: ApplianceStore;
  control: ControlServer;
  stateDir: string;
  calibration: Pick<NmeaCalibrationService, 'calibrateNow'> | null;
  setRtcFromSystem: (() => Promise<Record<string, unknown> | void>) | null;
  daemonManagesRtc: boolean;
  /** Where the control socket lives: privileged requests go to its `admin/` unless configured. */
  runtimeDir: string;
  log: Logger;
  /** What `get_config` shows; default `config()`. The lifecycle adds the keys waiting for a restart. */
  configView?: () => unknown;
}

/**
 * The daemon side of MCP: one DaemonApi (audited in the state directory's SQLite database)
 * served to `stratum1d mcp` over the control socket and, when enabled, to network clients
 * over WebSocket and Streamable HTTP. Binding the port fails fast at startup.
 */
export async function startMcp(d: McpWiringDeps): Promise<McpWiring> {
  const lazy = lazyAuditStore(join(d.stateDir, 'stratum1d.db'), d.log);
  const audit = lazy.store;
  const facts = async () => (await loadApply()).gatherFacts(d.config(), { configSource: d.configSource, daemonManagesRtc: d.daemonManagesRtc, env: d.env });
  const target = async () => {
    const c = d.config();
    const a = await loadApply();
    return c.timekeeper.kind === 'ntpsec' ? a.ntpsecTarget(c) : a.chronyTarget(c, { daemonManagesRtc: d.daemonManagesRtc });
  };
  const kind = () => {
    const k = d.config().timekeeper.kind;
    return k === 'none' ? null : k;
  };
  // Under the hardened unit the daemon cannot write /etc, restart chronyd or set a kernel RTC:
  // those go to the root oneshot, which renders from the on-disk config on its own.
  const viaRoot = privilegedMode(d.config(), d.env, process.getuid?.() ?? 0) === 'request';
  const ask = async (action: PrivilegedAction) => {
    const p = d.config().privileged;
    const { requestPrivileged } = await import('./privileged/request-client.js');
    return requestPrivileged(action, { requestDir: p.requestDir ?? join(d.runtimeDir, 'admin'), resultDir: p.resultDir, timeoutMs: p.timeoutS * 1000 });
  };
  const applyViaRoot = async (): Promise<ApplyOutcome> => {
    const r = await ask('apply');
    const x = r.details as Partial<ApplyOutcome>;
    return {
      status: (x.status ?? (r.ok ? 'applied' : 'rolled-back')) as ApplyOutcome['status'],
      exitCode: x.exitCode ?? (r.ok ? 0 : 1),
      messages: x.messages ?? [r.summary],
      installed: null,
      rendered: '',
      diff: x.diff ?? '',
      validation: x.validation ?? null,
      backupPath: x.backupPath ?? null,
    };
  };
  const restartViaRoot = async (): Promise<CommandResult> => {
    const r = await ask('restart-timekeeper');
    return { code: r.ok ? 0 : 1, signal: null, stdout: r.summary, stderr: r.ok ? '' : r.summary, error: r.ok ? null : r.summary };
  };
  const setRtc =
    viaRoot && d.setRtcFromSystem !== null && !d.daemonManagesRtc
      ? async () => {
          const r = await ask('set-rtc');
          if (!r.ok) throw new Error(r.summary);
          return { via: 'stratum1d-admin@set-rtc.service', ...r.details };
        }
      : d.setRtcFromSystem;
  const api = new DaemonApi({
    store: d.store,
    config: d.configView ?? d.config,
    timekeeper:
      kind() === null
        ? null
        : {
            preview: async () => {
              const { facts: f, notes } = await facts();
              return { ...(await (await loadApply()).previewTimekeeperConfig(kind()!, d.config(), f)), notes };
            },
            apply: async () => {
              if (viaRoot) return applyViaRoot();
              const { facts: f, notes } = await facts();
              const a = await loadApply();
              const r = a.renderFor(kind()!, d.config(), f);
              const allNotes = [...notes.map((message) => ({ level: 'warn' as const, message })), ...r.notes];
              return a.applyRendered(await target(), { text: r.text, notes: allNotes }, { dryRun: false });
            },
            restart: async () => (viaRoot ? restartViaRoot() : (await target()).restart()),
            // What targets.ts puts in ApplyTarget.restartArgv, read without loading it.
            restartArgv: d.config().timekeeper.kind === 'ntpsec' ? d.config().timekeeper.ntpsec.restartCommand : d.config().timekeeper.chrony.restartCommand,
          },
    calibration: d.calibration,
    setRtcFromSystem: setRtc,
    audit,
    onAuditError: (e) => d.log.warn('MCP audit write failed', { error: e.message }),
  });
  // Roles on the control socket come from the caller's groups (SO_PEERCRED); main.ts may move this next to the ControlServer.
  d.control.access.configure(d.config().control, (name, key) => d.log.info('control socket group does not exist; it grants nothing', { key: `control.${key}`, group: name }));
  // The MCP layers (stdio bridge over the control socket, network listener) get the API with the
  // audit store's module loaded before any method that writes or reads it.
  const served = withAuditLoaded(api, lazy.load);
  registerMcpControlMethods(d.control, served);
  let network: McpNetwork | null = null;
  const listen = async (mcp: McpConfig): Promise<McpNetwork | null> =>
    mcp.enabled ? (await loadNetwork()).startMcpNetwork({ config: mcp, apiFor: () => served, createServer: (await loadNetwork()).createMcpServer, log: d.log }) : null;
  let running = d.config().mcp;
  try {
    network = await listen(running);
  } catch (err) {
    lazy.close();
    throw err;
  }
  d.control.handle('mcp-stats', () => network?.stats() ?? null);
  const wiring: McpWiring = {
    network,
    audit,
    async restartNetwork(next) {
      await network?.stop();
      network = wiring.network = null;
      try {
        network = wiring.network = await listen(next);
        running = next;
      } catch (err) {
        d.log.error('MCP network did not start on the new settings; starting it again on the running ones', { error: (err as Error).message });
        network = wiring.network = await listen(running).catch((e: Error) => {
          d.log.error('MCP network could not be started again: MCP over the network is down until a restart', { error: e.message });
          return null;
        });
        throw err;
      }
    },
    async stop() {
      await network?.stop();
      lazy.close();
    },
  };
  return wiring;
}

/** The DaemonApi methods that reach the audit store; the others are passed through untouched. */
const AUDITED = new Set<PropertyKey>(['applyTimekeeperConfig', 'restartTimekeeper', 'calibrateNmeaOffset', 'setRtcFromSystem', 'auditLog', 'refusalLog', 'recordRefusal']);

/**
 * `api` with its audited methods awaiting `load()` first. DaemonApi calls the store
 * synchronously (a row is written in the same turn as the action's outcome), so its module must
 * be in memory before such a method runs; the hot read-only methods pay nothing for it.
 */
function withAuditLoaded(api: DaemonApi, load: () => Promise<void>): DaemonApi {
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(api, {
    get(target, prop) {
      let f = bound.get(prop);
      if (f !== undefined) return f;
      const v = Reflect.get(target, prop, target) as unknown;
      if (typeof v !== 'function') return v;
      // Bound: DaemonApi keeps its state in #private fields, which a Proxy `this` cannot reach.
      const method = (v as (...a: unknown[]) => unknown).bind(target);
      f = AUDITED.has(prop)
        ? async (...args: unknown[]) => {
            await load();
            return method(...args);
          }
        : method;
      bound.set(prop, f);
      return f;
    },
  });
}

/**
 * The SQLite audit store behind a stand-in that opens it on first use. MCP disabled and the
 * stdio bridge unused: the file is never opened, so an unwritable or broken state database
 * cannot stop a daemon that does not need it. When it cannot be opened, each use fails with
 * the reason (admin actions still run; DaemonApi counts the failed audit write) and it is
 * tried again on the next use. Its module (and better-sqlite3 with it) is imported by `load()`,
 * which withAuditLoaded awaits before every audited call.
 */
function lazyAuditStore(path: string, log: Logger): { store: DaemonApiDeps['audit']; load(): Promise<void>; close(): void } {
  let Store: typeof AuditStore | null = null;
  let loading: Promise<void> | null = null;
  let loadError: string | null = null;
  let opened: AuditStore | null = null;
  let lastError: string | null = null;
  const load = (): Promise<void> => {
    if (Store) return Promise.resolve();
    loading ??= import('./mcp/audit/audit-store.js').then(
      (m) => {
        Store = m.AuditStore;
        loadError = null;
        noteLoaded('mcp-audit-store');
      },
      (err: Error) => {
        loadError = err.message;
        loading = null; // tried again on the next use
      },
    );
    return loading;
  };
  const open = (): AuditStore => {
    if (opened) return opened;
    try {
      if (!Store) throw new Error(loadError ?? 'the audit store module is not loaded');
      opened = new Store(path);
      lastError = null;
      return opened;
    } catch (err) {
      const msg = `MCP audit store ${path} cannot be opened: ${(err as Error).message}`;
      if (msg !== lastError) log.error('MCP audit store unavailable', { path, error: (err as Error).message });
      lastError = msg;
      throw new Error(msg);
    }
  };
  // A Proxy, so methods added to the store later are forwarded without touching this file.
  const store = new Proxy({} as DaemonApiDeps['audit'], {
    get(_t, prop) {
      if (prop === 'then') return undefined; // not a promise
      return (...args: unknown[]) => {
        const s = open() as unknown as Record<PropertyKey, (...a: unknown[]) => unknown>;
        return s[prop]!.apply(s, args);
      };
    },
  });
  return {
    store,
    load,
    close() {
      opened?.close();
      opened = null;
    },
  };
}
