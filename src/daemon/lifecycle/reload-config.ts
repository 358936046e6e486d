import type { Config } from '../../config/schema.js';
import { loadRunnableConfig } from '../../config/preflight.js';
import { redactSecrets } from '../mcp/tools/redact.js';
import { applyReloadAction } from './apply-reload-action.js';
import { getPath, planReload, withKeysFrom } from './config-diff.js';
import type { DaemonRuntime } from './daemon-runtime.js';
import { publishStatus } from './status-publishing.js';

/**
 * SIGHUP: re-reads the file and applies what can change while running, per key (see
 * config-diff.ts). A file that does not load changes nothing; a key that needs a restart, or
 * whose change fails to apply, keeps its running value and is reported as pending.
 */
export async function reloadConfig(rt: DaemonRuntime): Promise<void> {
  const log = rt.log;
  rt.notifier.reloading();
  let file: Config;
  try {
    file = loadRunnableConfig(rt.options.configFile, rt.options.env);
  } catch (err) {
    const error = (err as Error).message;
    log.error('reload rejected, keeping the running configuration', { error });
    rt.store.update('reload', { at: Date.now(), outcome: 'rejected', applied: [], error });
    rt.notifier.ready();
    return;
  }
  // Compared with what the file said last time would re-list pending keys as new; compare
  // with what runs, and keys still waiting for a restart stay pending (not re-applied).
  const running = rt.config;
  const plan = planReload(running, file, { simulate: rt.options.simulate });
  const failed: Array<{ key: string; reason: string }> = [];
  let next = withKeysFrom(file, running, plan.restartNeeded.map((r) => r.key));
  for (const [action, keys] of plan.actions) {
    try {
      await applyReloadAction(rt, action, next, running);
    } catch (err) {
      const reason = `applying it failed: ${(err as Error).message}`;
      log.error('reload: a change could not be applied; that part keeps its running settings', { keys, error: (err as Error).message });
      for (const key of keys) failed.push({ key, reason });
    }
  }
  next = withKeysFrom(next, running, failed.map((f) => f.key));
  rt.config = next;
  const kept = [...plan.restartNeeded, ...failed];
  rt.pending = kept.map(({ key, reason }) => ({
    key,
    running: redactedAt(next, key),
    pending: redactedAt(file, key),
    reason,
  }));
  const keptKeys = new Set(kept.map((k) => k.key));
  const applied = plan.changed.filter((k) => !keptKeys.has(k));
  if (applied.length > 0) {
    rt.alarms!.noteConfigChanged();
    rt.fleet!.noteConfigChanged(rt.source);
  }
  const outcome = plan.changed.length === 0 ? 'unchanged' : kept.length === 0 ? 'applied' : 'partial';
  const error = failed.length ? failed.map((f) => `${f.key}: ${f.reason}`).join('; ') : null;
  rt.store.update('reload', { at: Date.now(), outcome, applied, pendingRestart: rt.pending, error });
  if (plan.restartNeeded.length > 0) {
    log.warn('reload: these keys need a restart; the old value keeps running until then', {
      keys: plan.restartNeeded.map((r) => r.key),
      why: Object.fromEntries(plan.restartNeeded.map((r) => [r.key, r.reason])),
    });
  }
  log.info('configuration reloaded', { source: rt.source, outcome, applied, restartNeeded: rt.pending.map((p) => p.key) });
  publishStatus(rt, true);
  rt.notifier.ready();
}

/** A key's value with secrets redacted by the same rule as get_config (the key's own name counts). */
function redactedAt(config: Config, key: string): unknown {
  const path = key.split('.');
  const leaf = path[path.length - 1]!;
  const r = redactSecrets({ [leaf]: getPath(config, path) }) as Record<string, unknown>;
  return r[leaf] ?? null;
}
