import { summaryLine } from '../core/summary.js';
import type { DaemonRuntime } from './daemon-runtime.js';

/** The systemd STATUS= line: the summary, plus what waits for a restart so `systemctl status` shows it. */
function statusLine(rt: DaemonRuntime): string {
  const line = summaryLine(rt.store.snapshot);
  return rt.pending.length === 0 ? line : `${line}; restart needed for ${rt.pending.map((p) => p.key).join(', ')}`;
}

export function publishStatus(rt: DaemonRuntime, force = false): void {
  const line = statusLine(rt);
  if (force || line !== rt.lastStatus) rt.notifier.status(line);
  rt.lastStatus = line;
}
