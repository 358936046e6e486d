import type { ApplianceStore } from '../../core/appliance-state.js';
import type { TimekeeperFeedStats } from '../../core/timekeeper-types.js';

/**
 * The SOCK feed and the SHM writer share `timekeeper.feed`; each patches only its own
 * counters so neither overwrites the other's.
 */
export function publishFeedStats(store: ApplianceStore, patch: Partial<TimekeeperFeedStats>): void {
  const feed = store.snapshot.timekeeper.feed;
  store.update('timekeeper', { feed: { ...feed, ...patch } });
}
