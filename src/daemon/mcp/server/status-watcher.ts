import type { ApplianceState } from '../../core/appliance-state.js';
import { type ApplianceApi, DaemonDown } from '../appliance-api.js';
import { changeKey } from './status-snapshot.js';

/**
 * Calls `onChange` when the status change key moves. Uses api.watch when the API offers it
 * (the in-daemon API does); otherwise polls api.state() while started, because the stdio
 * bridge's control-socket client may have no push channel.
 */
export class StatusWatcher {
  #last: string | null = null;
  #stop: (() => void) | null = null;
  #wanted = false;

  constructor(
    private readonly api: ApplianceApi,
    private readonly onChange: () => void,
    private readonly pollMs = 2000,
  ) {}

  get running(): boolean {
    return this.#stop !== null;
  }

  async start(): Promise<void> {
    if (this.#wanted) return;
    this.#wanted = true;
    const first = await this.#currentKey();
    if (!this.#wanted || this.#stop) return; // stopped while we asked
    this.#last = first;
    if (this.api.watch) {
      this.#stop = this.api.watch((s) => this.#see(changeKey(s)));
      return;
    }
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      void this.#currentKey()
        .then((k) => this.#see(k))
        .finally(() => {
          busy = false;
        });
    }, this.pollMs);
    timer.unref();
    this.#stop = () => clearInterval(timer);
  }

  stop(): void {
    this.#wanted = false;
    this.#stop?.();
    this.#stop = null;
  }

  #see(key: string): void {
    if (key === this.#last) return;
    this.#last = key;
    this.onChange();
  }

  async #currentKey(): Promise<string> {
    let s: ApplianceState | null = null;
    try {
      s = await this.api.state();
    } catch (err) {
      if (!(err instanceof DaemonDown)) return this.#last ?? 'unknown';
    }
    return changeKey(s);
  }
}
