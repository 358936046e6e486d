import type { DaemonRuntime } from './daemon-runtime.js';

/** SIGTERM must finish well inside systemd's stop timeout; the issue asks for 2 s. */
export const STOP_BUDGET_MS = 1500;
/** The fleet uploader's last attempt at shutdown, inside STOP_BUDGET_MS; what it cannot send stays in the outbox. */
export const FLEET_FLUSH_MS = 1000;

export function stopBudget(): Promise<unknown> {
  return new Promise((r) => setTimeout(r, STOP_BUDGET_MS).unref());
}

/** Stops every service started so far, all at once; whatever has not stopped by `deadline` is left behind. */
export async function stopServices(rt: DaemonRuntime, why: string, deadline: Promise<unknown> = stopBudget()): Promise<void> {
  if (rt.statusTimer) clearInterval(rt.statusTimer);
  rt.settle?.cancel();
  const parts = [
    rt.alarms?.stop(),
    rt.holdover?.stop(),
    rt.mcp?.stop(),
    rt.http?.stop(),
    rt.fleet?.stop(FLEET_FLUSH_MS),
    rt.gnss?.stop(),
    rt.pps?.stop(),
    rt.rtc?.stop(),
    rt.gpsd?.stop(),
    rt.feed?.stop(),
    rt.control?.stop(),
  ];
  await Promise.race([Promise.allSettled(parts), deadline]);
  rt.notifier?.stop();
  rt.log.info('stopped', { reason: why });
}
