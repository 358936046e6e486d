/**
 * What the last SIGHUP did, as every surface sees it (status, MCP, the `restart-needed` alarm).
 * `pendingRestart` lists the keys whose new value is NOT running: the daemon keeps the old one
 * until a restart, and says so, so no surface ever reports a configuration that is not in effect.
 */
export interface PendingKey {
  key: string;
  /** The value in effect (secrets redacted). */
  running: unknown;
  /** The value in the configuration file, applied at the next restart (secrets redacted). */
  pending: unknown;
  /** Why it was not applied: needs a restart, or applying it failed (the message). */
  reason: string;
}

export interface ReloadStatus {
  /** ms of the last reload attempt; null before the first. */
  at: number | null;
  /** `unchanged`: the file matched what runs; `rejected`: it did not load, nothing changed. */
  outcome: 'applied' | 'partial' | 'unchanged' | 'rejected' | null;
  /** Keys whose new value took effect at the last reload. */
  applied: string[];
  pendingRestart: PendingKey[];
  /** Why the last reload was rejected, or what failed while applying it. */
  error: string | null;
}

export function initialReloadStatus(): ReloadStatus {
  return { at: null, outcome: null, applied: [], pendingRestart: [], error: null };
}
