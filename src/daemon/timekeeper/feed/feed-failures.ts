import type { Logger } from '../../logger.js';

/**
 * Log discipline for a peer that comes and goes (chronyd restarting, ntpd not yet up):
 * the first failure and the recovery are logged, the failures in between only counted,
 * so a daemon started before chronyd does not fill the journal once a second.
 */
export class FailureLog {
  #down = false;
  #failuresWhileDown = 0;
  #lastError: string | null = null;

  constructor(
    private readonly log: Logger,
    private readonly what: string,
    private readonly target: string,
  ) {}

  get lastError(): string | null {
    return this.#lastError;
  }

  get down(): boolean {
    return this.#down;
  }

  failed(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.#lastError = message;
    this.#failuresWhileDown++;
    if (this.#down) return;
    this.#down = true;
    this.log.warn(`${this.what} not delivered; retrying every epoch without further warnings`, {
      target: this.target,
      error: message,
    });
  }

  succeeded(): void {
    if (!this.#down) return;
    this.log.info(`${this.what} delivered again`, { target: this.target, failedMeanwhile: this.#failuresWhileDown });
    this.#down = false;
    this.#failuresWhileDown = 0;
  }
}
