/**
 * The fleet uploader as every surface sees it (status --json `fleet`, /health, /metrics, MCP).
 * `lastSeq` is the newest record in the outbox, `ackedSeq` the collector's cumulative
 * acknowledgement; backlog = records written and not yet acknowledged.
 */
export interface FleetStatus {
  enabled: boolean;
  url: string | null;
  lastSeq: number;
  ackedSeq: number;
  backlog: number;
  /** Sequence numbers dropped by retention before acknowledgement (sent as explicit gaps). */
  dropped: number;
  lastUploadAt: number | null; // ms, last acknowledged batch
  lastAttemptAt: number | null;
  lastError: string | null;
  consecutiveFailures: number;
  /** Outbox size on disk, bytes; null when unknown. */
  outboxBytes: number | null;
  /** The outbox cannot be written (disk full, read-only): records are being lost. */
  outboxError: string | null;
}

export function initialFleetStatus(enabled: boolean, url: string | null): FleetStatus {
  return { enabled, url, lastSeq: 0, ackedSeq: 0, backlog: 0, dropped: 0, lastUploadAt: null, lastAttemptAt: null, lastError: null, consecutiveFailures: 0, outboxBytes: null, outboxError: null };
}
