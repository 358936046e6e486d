import type { PpsEdge, PpsSource } from '../../drivers/pps/pps-source.js';
import type { ApplianceStore } from '../core/appliance-state.js';
import type { Logger } from '../logger.js';

/**
 * Follows a PPS source and publishes pulse counts and sequence gaps. The statistics that
 * decide whether PPS is trustworthy (interval, jitter, wrong rate) come with the PPS issue's
 * tracker in core; this service only moves edges into the state.
 */
export class PpsService {
  #lastSeq: number | null = null;

  constructor(
    private readonly source: PpsSource,
    private readonly store: ApplianceStore,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    this.source.on('edge', this.#onEdge);
    this.source.on('close', this.#onClose);
    try {
      await this.source.open();
      this.store.update('pps', { link: 'open' });
    } catch (err) {
      this.log.warn('PPS source not available', { source: this.source.path, error: (err as Error).message });
      this.store.update('pps', { link: 'down' });
    }
  }

  async stop(): Promise<void> {
    this.source.off('edge', this.#onEdge);
    this.source.off('close', this.#onClose);
    await this.source.close().catch(() => undefined);
  }

  readonly #onEdge = (edge: PpsEdge): void => {
    const prev = this.store.snapshot.pps;
    const gap = this.#lastSeq === null ? 0 : Math.max(0, edge.seq - this.#lastSeq - 1);
    this.#lastSeq = edge.seq;
    this.store.update('pps', {
      lastEdge: { sec: edge.sec, nsec: edge.nsec, seq: edge.seq },
      pulses: prev.pulses + 1,
      missed: prev.missed + gap,
    });
  };

  readonly #onClose = (err: Error | null): void => {
    this.log.warn('PPS source closed', { source: this.source.path, error: err?.message ?? null });
    this.store.update('pps', { link: 'down' });
  };
}
