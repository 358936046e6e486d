import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { UnixDatagramReceiver, type ReceivedDatagram } from '../../src/drivers/native/unix-datagram-receiver.js';
import { parseNotifyDatagram } from '../../src/daemon/notify/notify-messages.js';

/** One datagram as systemd would see it: the text, its assignments, and who sent it. */
export interface NotifyMessage {
  text: string;
  fields: Record<string, string>;
  /** The sender's pid as the kernel reports it (SCM_CREDENTIALS), as systemd checks NotifyAccess=main. */
  pid: number | null;
  uid: number | null;
  receivedAt: number;
  monotonicMs: number;
}

export interface NotifyListenerOptions {
  /** Listen on a Linux abstract address (`@name`) instead of a socket file. */
  abstract?: boolean;
}

/**
 * A stand-in for systemd's NOTIFY_SOCKET: start it, put `notifySocket` into the
 * environment of whatever should notify, read `messages`, close it.
 */
export class NotifyListener {
  readonly messages: NotifyMessage[] = [];
  private readonly waiters = new Set<() => void>();

  private constructor(
    readonly notifySocket: string,
    private readonly receiver: UnixDatagramReceiver,
    private readonly dir: string | null,
  ) {
    receiver.on('message', (m) => this.record(m));
  }

  static start(options: NotifyListenerOptions = {}): NotifyListener {
    if (options.abstract) {
      const name = `@stratum1d-test-notify-${process.pid}-${randomBytes(4).toString('hex')}`;
      return new NotifyListener(name, UnixDatagramReceiver.open(name), null);
    }
    const dir = mkdtempSync(join(tmpdir(), 'notify-'));
    const path = join(dir, 'notify.sock');
    return new NotifyListener(path, UnixDatagramReceiver.open(path), dir);
  }

  /** An environment holding only NOTIFY_SOCKET (pointing here) and `extra`. */
  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return { NOTIFY_SOCKET: this.notifySocket, ...extra };
  }

  /** Messages that assign `key` (and, if given, exactly `value`). */
  withField(key: string, value?: string): NotifyMessage[] {
    return this.messages.filter((m) => key in m.fields && (value === undefined || m.fields[key] === value));
  }

  /** Resolves once `count` messages match, rejects after `timeoutMs`. */
  async waitFor(match: (m: NotifyMessage) => boolean, count = 1, timeoutMs = 20_000): Promise<NotifyMessage[]> {
    // A condition, not a timing goal: on a loaded machine give it at least a minute.
    timeoutMs = Math.max(timeoutMs, 60_000);
    const found = (): NotifyMessage[] => this.messages.filter(match);
    if (found().length >= count) return found();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (found().length < count) return;
        cleanup();
        resolve(found());
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`NotifyListener: ${found().length} of ${count} messages after ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }

  async close(): Promise<void> {
    await this.receiver.close();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  private record(m: ReceivedDatagram): void {
    const text = m.data.toString('utf8');
    this.messages.push({
      text,
      fields: parseNotifyDatagram(text),
      pid: m.sender?.pid ?? null,
      uid: m.sender?.uid ?? null,
      receivedAt: m.receivedAt,
      monotonicMs: m.monotonicMs,
    });
    for (const w of [...this.waiters]) w();
  }
}
