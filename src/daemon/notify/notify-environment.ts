import { encodeSockaddrUn } from '../../drivers/native/sockaddr-un.js';

/** Whether and how often we owe systemd a WATCHDOG=1, with the reason when we do not. */
export type WatchdogSetting =
  | { enabled: true; timeoutUsec: number; intervalMs: number }
  | { enabled: false; reason: string };

export interface NotifyEnvironment {
  /** Where to send (a path or `@abstract`), or null: then the notifier does nothing at all. */
  socket: string | null;
  watchdog: WatchdogSetting;
  /** Variables that were set but unusable, worded for a log line. */
  problems: string[];
}

// setInterval's ceiling; WATCHDOG_USEC can be far larger.
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Reads what systemd gives a Type=notify service (sd_notify(3), sd_watchdog_enabled(3)):
 * NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID. The watchdog is ours only when
 * WATCHDOG_PID is unset or names this process, because children inherit the variables
 * and must not ping for us. We ping at half the timeout, as sd_watchdog_enabled(3) asks.
 */
export function parseNotifyEnvironment(env: NodeJS.ProcessEnv, pid: number): NotifyEnvironment {
  const problems: string[] = [];
  const raw = env.NOTIFY_SOCKET;
  let socket: string | null = null;
  if (raw !== undefined && raw !== '') {
    if (!raw.startsWith('/') && !raw.startsWith('@')) {
      // systemd ≥ 253 also hands out vsock: addresses (VMs); not a Raspberry Pi's case.
      problems.push(`NOTIFY_SOCKET=${JSON.stringify(raw)} is neither an absolute path nor @abstract; not notifying`);
    } else {
      try {
        encodeSockaddrUn(raw);
        socket = raw;
      } catch (err) {
        problems.push(`NOTIFY_SOCKET=${JSON.stringify(raw)} is unusable (${(err as Error).message}); not notifying`);
      }
    }
  }
  const watchdog = socket === null ? off('no notify socket') : parseWatchdog(env, pid, problems);
  return { socket, watchdog, problems };
}

function parseWatchdog(env: NodeJS.ProcessEnv, pid: number, problems: string[]): WatchdogSetting {
  const usecRaw = env.WATCHDOG_USEC;
  if (usecRaw === undefined || usecRaw === '') return off('WATCHDOG_USEC unset');
  const timeoutUsec = /^\d+$/.test(usecRaw) ? Number(usecRaw) : NaN;
  if (!(timeoutUsec > 0) || !Number.isSafeInteger(timeoutUsec)) {
    problems.push(`WATCHDOG_USEC=${JSON.stringify(usecRaw)} is not a positive integer; watchdog off`);
    return off('WATCHDOG_USEC invalid');
  }
  const pidRaw = env.WATCHDOG_PID;
  if (pidRaw !== undefined && pidRaw !== '') {
    const watchdogPid = /^\d+$/.test(pidRaw) ? Number(pidRaw) : NaN;
    if (!(watchdogPid > 0)) {
      problems.push(`WATCHDOG_PID=${JSON.stringify(pidRaw)} is not a pid; watchdog off`);
      return off('WATCHDOG_PID invalid');
    }
    if (watchdogPid !== pid) return off(`WATCHDOG_PID=${watchdogPid} is another process (we are ${pid})`);
  }
  const intervalMs = Math.min(MAX_TIMER_MS, Math.max(1, Math.floor(timeoutUsec / 2000)));
  return { enabled: true, timeoutUsec, intervalMs };
}

function off(reason: string): WatchdogSetting {
  return { enabled: false, reason };
}
