import { ConfigError } from '../../config/load-config.js';
import { loadRunnableConfig } from '../../config/preflight.js';
import type { ControlServer } from '../control/control-server.js';
import { createLogger } from '../logger.js';
import type { McpWiring } from '../wiring-mcp.js';
import { DaemonRuntime, type LifecycleOptions } from './daemon-runtime.js';
import { reloadConfig } from './reload-config.js';
import { startServices } from './start-services.js';
import { asStartupFailure, configErrorExit } from './startup-failure.js';
import { stopBudget, stopServices } from './stop-services.js';

export type { LifecycleOptions } from './daemon-runtime.js';

/**
 * The daemon's life in one place: start (fail fast, clean up what started, exit code),
 * reload (SIGHUP: per key apply or keep-and-report, see config-diff.ts) and stop. main.ts only
 * turns signals into these calls. Each phase lives in its own file; this class keeps them in
 * order: reloads and the stop run one after another, never interleaved.
 */
export class DaemonLifecycle {
  readonly #rt: DaemonRuntime;
  #queue: Promise<unknown> = Promise.resolve();
  #stopping = false;

  constructor(o: LifecycleOptions) {
    this.#rt = new DaemonRuntime(o);
  }

  get source(): string {
    return this.#rt.source;
  }

  /** null: running. A number: the exit code, with nothing left running. */
  async start(): Promise<number | null> {
    const rt = this.#rt;
    const env = rt.options.env;
    try {
      rt.config = loadRunnableConfig(rt.options.configFile, env);
    } catch (err) {
      if (err instanceof ConfigError) return configErrorExit(err, env);
      throw err;
    }
    rt.log = createLogger(rt.config.log);
    try {
      await startServices(rt);
      return null;
    } catch (err) {
      const f = asStartupFailure(err);
      rt.log.error(f.message, { ...f.fields, exitCode: f.code });
      await stopServices(rt, 'startup failed');
      return f.code;
    }
  }

  /** The control server, for hooks that register more methods on it. */
  get control(): ControlServer | null {
    return this.#rt.control;
  }

  get mcp(): McpWiring | null {
    return this.#rt.mcp;
  }

  /** What get_config shows: the running configuration and, when some, the keys waiting for a restart. */
  configView(): unknown {
    return this.#rt.configView();
  }

  reload(): Promise<void> {
    const run = this.#queue.then(() => (this.#stopping ? undefined : reloadConfig(this.#rt)));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  stop(signal: string): Promise<void> {
    if (this.#stopping) return this.#queue.then(() => undefined);
    this.#stopping = true;
    this.#rt.log.info('stopping', { signal });
    this.#rt.notifier.stopping();
    const deadline = stopBudget();
    // A reload in progress finishes first (it may be starting a listener), within the budget.
    const run = Promise.race([this.#queue, deadline]).then(() => stopServices(this.#rt, signal, deadline));
    this.#queue = run;
    return run;
  }
}
