/**
 * SIGHUP, the pure part: which keys changed between the running configuration and the file,
 * what each change needs (a service reconfigured or restarted, or a daemon restart), and the
 * configuration that then really runs. No I/O here; reload-config.ts acts on the plan.
 */

/** A service the reload can reconfigure or restart in place. */
export type ReloadAction =
  | 'log-level'
  | 'gnss-log'
  | 'gnss-pipeline'
  | 'gnss-link'
  | 'pps'
  | 'timekeeper-feed'
  | 'holdover'
  | 'alarms'
  | 'gpsd'
  | 'mcp'
  | 'http'
  | 'fleet'
  /** The control socket's role groups: re-resolved, effective for the next connection. */
  | 'control'
  /** Read on every use (privileged request paths, the simulator's position in hardware mode): nothing to do. */
  | 'none';

export type KeyRule = ReloadAction[] | { restart: string };

export interface ReloadRuleContext {
  simulate: boolean;
}

/**
 * Key (or key prefix) → what a change needs; the first matching rule wins, so the specific
 * keys come before their section. A key no rule names needs a restart: a new key must be
 * placed here deliberately rather than half-applied by accident.
 */
export function ruleFor(key: string, ctx: ReloadRuleContext): KeyRule {
  const under = (p: string): boolean => key === p || key.startsWith(`${p}.`);
  if (key === 'log.level') return ['log-level'];
  if (key === 'log.fixIntervalS') return ['gnss-log'];
  if (under('log')) return { restart: 'the log format is chosen when the logger is created' };
  if (['gnss.acceptMissingChecksum', 'gnss.timeValidAfter', 'gnss.maxDisagreementS', 'gnss.maxRtcDisagreementS'].includes(key)) return ['gnss-pipeline'];
  if (under('gnss.device') || under('gnss.baudRate')) return ctx.simulate ? ['none'] : ['gnss-link'];
  if (under('gnss')) return ['gnss-link'];
  if (under('simulator')) return ctx.simulate ? ['gnss-link'] : ['none'];
  if (under('pps')) return ['pps'];
  if (under('timekeeper.kind')) return { restart: 'the timekeeper kind decides the PPS source, the feed and the status shown since start' };
  if (under('timekeeper.pps')) return ['pps', 'timekeeper-feed'];
  if (under('timekeeper.chrony.leapSecondsFile')) return ['timekeeper-feed', 'alarms'];
  if (under('timekeeper')) return ['timekeeper-feed'];
  if (under('rtc')) return { restart: 'restarting the RTC service may set the system clock from the RTC' };
  if (under('holdover')) return ['holdover'];
  if (under('alarms')) return ['alarms'];
  if (under('gpsd')) return ['gpsd'];
  if (under('mcp')) return ['mcp'];
  if (under('http')) return ['http'];
  if (under('fleet')) return ['fleet'];
  if (under('control')) return ['control'];
  if (under('paths')) return { restart: 'the control socket and state files were placed at start' };
  if (under('privileged.mode')) return { restart: 'the privileged mode is chosen when the MCP tools are wired' };
  if (under('privileged')) return ['none'];
  return { restart: 'no live reload is defined for this key' };
}

/**
 * Leaf keys whose values differ, as dotted paths. Arrays are compared whole (a key list is one
 * setting: `mcp.keys`), objects key by key, so an unchanged file gives no keys at all.
 */
export function changedKeys(a: unknown, b: unknown, prefix = ''): string[] {
  if (isPlainObject(a) && isPlainObject(b)) {
    const names = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return names.flatMap((k) => changedKeys(a[k], b[k], prefix ? `${prefix}.${k}` : k));
  }
  return deepEqual(a, b) ? [] : [prefix];
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

export interface ReloadPlan {
  changed: string[];
  /** Services to reconfigure or restart, each with the keys that call for it. */
  actions: Map<ReloadAction, string[]>;
  /** Keys kept at their running value until the daemon restarts, with the reason. */
  restartNeeded: Array<{ key: string; reason: string }>;
}

export function planReload(running: unknown, next: unknown, ctx: ReloadRuleContext): ReloadPlan {
  const changed = changedKeys(running, next);
  const actions = new Map<ReloadAction, string[]>();
  const restartNeeded: ReloadPlan['restartNeeded'] = [];
  for (const key of changed) {
    const rule = ruleFor(key, ctx);
    if (!Array.isArray(rule)) {
      restartNeeded.push({ key, reason: rule.restart });
      continue;
    }
    for (const a of rule) actions.set(a, [...(actions.get(a) ?? []), key]);
  }
  // A reopened receiver gets a fresh pipeline built from the new options anyway.
  if (actions.has('gnss-link')) {
    for (const a of ['gnss-pipeline', 'gnss-log'] as const) {
      const keys = actions.get(a);
      if (keys) {
        actions.set('gnss-link', [...actions.get('gnss-link')!, ...keys]);
        actions.delete(a);
      }
    }
  }
  return { changed, actions, restartNeeded };
}

/** `next` with the listed keys put back to their value in `running`: the configuration that runs. */
export function withKeysFrom<T>(next: T, running: T, keys: readonly string[]): T {
  const out = structuredClone(next) as Record<string, unknown>;
  for (const key of keys) {
    const path = key.split('.');
    const value = getPath(running, path);
    let target = out;
    for (const p of path.slice(0, -1)) {
      if (!isPlainObject(target[p])) target[p] = {};
      target = target[p] as Record<string, unknown>;
    }
    const last = path[path.length - 1]!;
    if (value === undefined) delete target[last];
    else target[last] = structuredClone(value);
  }
  return out as T;
}

export function getPath(obj: unknown, path: readonly string[] | string): unknown {
  let v = obj;
  for (const p of typeof path === 'string' ? path.split('.') : path) {
    if (!isPlainObject(v)) return undefined;
    v = v[p];
  }
  return v;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
