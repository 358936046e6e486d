import type { Role } from '../store/fleet-store.js';

/**
 * What each dashboard role may do. Viewers see everything; only admins change the fleet
 * (register an appliance, revoke one). The pages hide controls a role lacks, and the handlers
 * check again (403), so hiding is a convenience, never the protection.
 */
export type Action = 'view' | 'add-device' | 'revoke-device';

const GRANTS: Record<Role, ReadonlySet<Action>> = {
  viewer: new Set(['view']),
  admin: new Set(['view', 'add-device', 'revoke-device']),
};

export function can(role: Role | null | undefined, action: Action): boolean {
  if (role !== 'viewer' && role !== 'admin') return false;
  return GRANTS[role].has(action);
}
