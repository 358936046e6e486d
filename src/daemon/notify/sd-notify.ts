import { systemClock, type Cancel, type Clock } from '../../drivers/clock.js';
import { UnixDatagramSender, type DatagramSink } from '../../drivers/native/unix-datagram-sender.js';
import { parseNotifyEnvironment, type NotifyEnvironment, type WatchdogSetting } from './notify-environment.js';
import { notifyDatagram, statusText, type Assignment } from './notify-messages.js';

export interface NotifierOptions {
  /** Our pid, for WATCHDOG_PID. Default process.pid. */
  pid?: number;
  /** Opens the datagram socket on first use. Default: a real AF_UNIX sender. */
  openSink?: () => DatagramSink;
  /** MONOTONIC_USEC comes from `clock.monoNs()` (CLOCK_MONOTONIC, as systemd compares it). */
  clock?: Clock;
  /** Repeats `fn` every `ms` without keeping the process alive. Default: an unref'd setInterval. */
  every?: (fn: () => void, ms: number) => Cancel;
  /** Told about every failed send; the notifier itself never throws. */
  onError?: (err: Error) => void;
  /** Remove NOTIFY_SOCKET/WATCHDOG_* from `env` after reading, so children do not inherit them. */
  unsetEnvironment?: boolean;
}

export interface NotifierStats {
  sent: number;
  failed: number;
  watchdogPings: number;
  /** Pings withheld because the health check said no; systemd will restart us. */
  watchdogSkipped: number;
  lastError: string | null;
}

const unrefInterval = (fn: () => void, ms: number): Cancel => {
  const handle = setInterval(fn, ms);
  handle.unref();
  return () => clearInterval(handle);
};

/**
 * The daemon's side of systemd's notify protocol (sd_notify(3)). With NOTIFY_SOCKET unset
 * (run from a shell, or under Type=simple) it does nothing at all: no socket, no timer.
 * Send failures are counted and reported through `onError`, never thrown: systemd being
 * unreachable must not take the time server down.
 */
export class Notifier {
  readonly socket: string | null;
  readonly watchdog: WatchdogSetting;
  readonly problems: readonly string[];
  private readonly counts: NotifierStats = { sent: 0, failed: 0, watchdogPings: 0, watchdogSkipped: 0, lastError: null };
  private readonly openSink: () => DatagramSink;
  private readonly clock: Clock;
  private readonly every: (fn: () => void, ms: number) => Cancel;
  private readonly onError: ((err: Error) => void) | undefined;
  private sink: DatagramSink | null = null;
  private cancelWatchdog: Cancel | null = null;
  private stopped = false;

  static fromEnv(env: NodeJS.ProcessEnv = process.env, options: NotifierOptions = {}): Notifier {
    const parsed = parseNotifyEnvironment(env, options.pid ?? process.pid);
    if (options.unsetEnvironment) {
      delete env.NOTIFY_SOCKET;
      delete env.WATCHDOG_USEC;
      delete env.WATCHDOG_PID;
    }
    return new Notifier(parsed, options);
  }

  constructor(environment: NotifyEnvironment, options: NotifierOptions = {}) {
    this.socket = environment.socket;
    this.watchdog = environment.watchdog;
    this.problems = environment.problems;
    this.openSink = options.openSink ?? (() => new UnixDatagramSender());
    this.clock = options.clock ?? systemClock;
    this.every = options.every ?? unrefInterval;
    this.onError = options.onError;
  }

  get enabled(): boolean {
    return this.socket !== null;
  }

  get stats(): NotifierStats {
    return { ...this.counts };
  }

  /** READY=1: startup finished (also sent again after a reload). */
  ready(status?: string): void {
    this.send([['READY', '1'], ...optionalStatus(status)]);
  }

  status(line: string): void {
    this.send([['STATUS', statusText(line)]]);
  }

  /** RELOADING=1 with the MONOTONIC_USEC systemd ≥ 253 requires for Type=notify-reload. */
  reloading(status?: string): void {
    const usec = this.clock.monoNs() / 1000n;
    this.send([['RELOADING', '1'], ['MONOTONIC_USEC', usec.toString()], ...optionalStatus(status)]);
  }

  stopping(status?: string): void {
    this.send([['STOPPING', '1'], ...optionalStatus(status)]);
  }

  /** One WATCHDOG=1, whether or not the periodic watchdog runs. */
  watchdogPing(): void {
    if (this.send([['WATCHDOG', '1']])) this.counts.watchdogPings++;
  }

  /**
   * Pings now and every WATCHDOG_USEC/2 while the watchdog is ours. `isHealthy` lets the
   * daemon withhold pings when its own loop is wedged, so systemd restarts it.
   */
  startWatchdog(isHealthy?: () => boolean): void {
    if (!this.watchdog.enabled || this.stopped || this.cancelWatchdog) return;
    const tick = (): void => {
      let healthy = true;
      try {
        healthy = isHealthy ? isHealthy() : true;
      } catch {
        healthy = false;
      }
      if (healthy) this.watchdogPing();
      else this.counts.watchdogSkipped++;
    };
    tick();
    this.cancelWatchdog = this.every(tick, this.watchdog.intervalMs);
  }

  stopWatchdog(): void {
    this.cancelWatchdog?.();
    this.cancelWatchdog = null;
  }

  /** Stops the watchdog and closes the socket; later calls do nothing. */
  stop(): void {
    this.stopWatchdog();
    this.stopped = true;
    try {
      this.sink?.close();
    } catch {
      // Closing a socket we are done with cannot matter to anyone.
    }
    this.sink = null;
  }

  private send(assignments: readonly Assignment[]): boolean {
    if (this.socket === null || this.stopped) return false;
    try {
      this.sink ??= this.openSink();
      this.sink.send(this.socket, notifyDatagram(assignments));
      this.counts.sent++;
      return true;
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.counts.failed++;
      this.counts.lastError = error.message;
      try {
        this.onError?.(error);
      } catch {
        // A failing error reporter must not turn a lost notification into a crash.
      }
      return false;
    }
  }
}

function optionalStatus(status: string | undefined): Assignment[] {
  return status === undefined ? [] : [['STATUS', statusText(status)]];
}
