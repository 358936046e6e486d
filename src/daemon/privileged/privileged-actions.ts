import { join } from 'node:path';
import type { Config } from '../../config/schema.js';

/**
 * The admin actions that need root. The hardened service holds no capabilities and sees /etc
 * read-only, so it cannot do these itself; it asks a root oneshot unit instead
 * (`stratum1d-admin@<action>.path` → `stratum1d-admin@<action>.service` → `stratum1d admin-run
 * <action>`). The request carries nothing but a random id to match the answer: the root side
 * renders from the on-disk configuration, never from anything the daemon says.
 */
export const PRIVILEGED_ACTIONS = ['apply', 'restart-timekeeper', 'set-rtc'] as const;
export type PrivilegedAction = (typeof PRIVILEGED_ACTIONS)[number];

export function isPrivilegedAction(s: string): s is PrivilegedAction {
  return (PRIVILEGED_ACTIONS as readonly string[]).includes(s);
}

/** What the root side writes back; `status` is the apply status (applied, rolled-back, ...) or ok/failed/refused. */
export interface PrivilegedResult {
  id: string;
  action: PrivilegedAction;
  ok: boolean;
  status: string;
  summary: string;
  finishedAt: string;
  details: Record<string, unknown>;
}

/** Hex only, bounded: the one thing the root side reads from a file the daemon wrote. */
export const REQUEST_ID_PATTERN = /^[0-9a-f]{16,64}$/;

export const DEFAULT_SYSTEM_RUNTIME_DIR = '/run/stratum1d';

export function requestPath(dir: string, action: PrivilegedAction): string {
  return join(dir, `${action}.request`);
}

export function resultPath(dir: string, action: PrivilegedAction): string {
  return join(dir, `${action}.result.json`);
}

/** `auto` asks the root side only where the daemon could not act itself: under systemd, not root. */
export function privilegedMode(config: Pick<Config, 'privileged'>, env: NodeJS.ProcessEnv, uid: number): 'direct' | 'request' {
  const m = config.privileged.mode;
  if (m !== 'auto') return m;
  return env.INVOCATION_ID !== undefined && uid !== 0 ? 'request' : 'direct';
}

export function parseResult(text: string): PrivilegedResult | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const r = v as Record<string, unknown>;
  if (typeof r.id !== 'string' || typeof r.ok !== 'boolean' || typeof r.status !== 'string' || typeof r.summary !== 'string') return null;
  if (typeof r.action !== 'string' || !isPrivilegedAction(r.action)) return null;
  return {
    id: r.id,
    action: r.action,
    ok: r.ok,
    status: r.status,
    summary: r.summary,
    finishedAt: typeof r.finishedAt === 'string' ? r.finishedAt : '',
    details: typeof r.details === 'object' && r.details !== null ? (r.details as Record<string, unknown>) : {},
  };
}
