import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FleetConfig } from '../config/sections/fleet.js';
import type { ApplianceStore } from './core/appliance-state.js';
import { initialFleetStatus } from './core/fleet-status.js';
import type { Outbox } from './fleet/outbox.js';
import type { OutboxWriter } from './fleet/recorder.js';
import type { Uploader } from './fleet/uploader.js';
import type { Logger } from './logger.js';
import { noteLoaded } from './wiring-loaded.js';

export const OUTBOX_FILE = 'fleet-outbox.db';

/** Records kept in memory while the outbox cannot be written: an hour at the default 10 s. */
const MAX_PENDING_IN_MEMORY = 1000;

export interface FleetHandle {
  noteConfigChanged(source: string): void;
  /**
   * Records daemon-stop and the partial interval, then tries to send for at most `budgetMs`.
   * `reload`: the fleet section changed on SIGHUP and a new uploader follows; no daemon-stop.
   */
  stop(budgetMs: number, why?: 'stop' | 'reload'): Promise<void>;
}

/**
 * Fleet reporting (daemon/fleet): recorder → outbox (<state dir>/fleet-outbox.db) → uploader,
 * published as state.fleet. With `fleet.url` null nothing is recorded or opened. Trouble after
 * start (outbox unwritable, collector unreachable, token refused) is a runtime condition shown
 * in state.fleet and the fleet alarms; the daemon keeps running. The recorder, the outbox
 * (better-sqlite3) and the uploader are imported only when `fleet.url` is set, at start or on
 * the reload that sets it.
 */
export async function startFleet(o: { config: FleetConfig; store: ApplianceStore; stateDir: string; log: Logger; software: string; why?: 'start' | 'reload' }): Promise<FleetHandle> {
  const cfg = o.config;
  if (cfg.url === null) {
    o.store.update('fleet', initialFleetStatus(false, null));
    return { noteConfigChanged: () => undefined, stop: async () => undefined };
  }
  const [{ createPoster }, { Outbox }, { FleetRecorder, OutboxWriter }, { Uploader }] = await Promise.all([
    import('./fleet/http-post.js'),
    import('./fleet/outbox.js'),
    import('./fleet/recorder.js'),
    import('./fleet/uploader.js'),
  ]);
  noteLoaded('fleet');
  const shownUrl = redactUrl(cfg.url);
  const path = join(o.stateDir, OUTBOX_FILE);
  let outbox: Outbox | null = null;
  let openError: string | null = null;
  const openOutbox = (): void => {
    if (outbox) return;
    try {
      outbox = new Outbox(path, { maxAgeDays: cfg.retention.days, maxBytes: cfg.retention.maxMB * 1024 * 1024 });
      openError = null;
      o.log.info('fleet outbox open', { path, ...outbox.stats });
    } catch (err) {
      const msg = `cannot open the outbox ${path}: ${(err as Error).message}`;
      if (msg !== openError) o.log.error('fleet outbox unavailable', { error: msg });
      openError = msg;
    }
  };

  let ca: Buffer | undefined;
  let caError: string | null = null;
  if (cfg.ca) {
    try {
      ca = readFileSync(cfg.ca);
    } catch (err) {
      caError = `cannot read fleet.ca ${cfg.ca}: ${(err as Error).message}`;
      o.log.error('fleet CA unreadable: using the system CAs', { error: caError });
    }
  }
  const poster = createPoster(ca ? { ca } : {});

  let uploader: Uploader | null = null;
  let writer: OutboxWriter | null = null;
  const publish = (): void => {
    const st = outbox?.stats;
    const u = uploader?.status;
    o.store.update('fleet', {
      enabled: true,
      url: shownUrl,
      lastSeq: st?.lastSeq ?? 0,
      ackedSeq: st?.ackedSeq ?? 0,
      backlog: (st?.backlog ?? 0) + (writer?.waiting ?? 0),
      dropped: st?.dropped ?? 0,
      lastUploadAt: u?.lastUploadAt ?? null,
      lastAttemptAt: u?.lastAttemptAt ?? null,
      lastError: u?.lastError ?? caError,
      consecutiveFailures: u?.consecutiveFailures ?? 0,
      outboxBytes: outbox?.diskBytes() ?? null,
      outboxError: openError ?? writer?.error ?? null,
    });
  };

  openOutbox();
  writer = new OutboxWriter({
    outbox: () => outbox,
    maxPending: MAX_PENDING_IN_MEMORY,
    onChange: () => {
      publish();
      uploader?.kick();
    },
  });
  const token = (): string => {
    if (cfg.token) return cfg.token;
    // Re-read each attempt; the message names the file, never its content.
    const t = readFileSync(cfg.tokenFile!, 'utf8').trim();
    if (!t) throw new Error(`${cfg.tokenFile} is empty`);
    return t;
  };
  uploader = new Uploader({
    url: cfg.url,
    token,
    outbox: () => outbox,
    post: poster.post,
    batchMax: cfg.batchMax,
    maxRatePerS: cfg.maxRatePerS,
    timeoutMs: cfg.timeoutMs,
    idleMs: cfg.intervalS * 1000,
    backoff: cfg.backoff,
    software: o.software,
    log: o.log,
    onChange: publish,
  });
  const recorder = new FleetRecorder({ store: o.store, writer, intervalS: cfg.intervalS });

  // Housekeeping once per interval: reopen a lost outbox, retry waiting writes, retention.
  const housekeeping = (): void => {
    openOutbox();
    writer!.retry();
    if (outbox) {
      try {
        const dropped = outbox.enforceRetention();
        if (dropped) o.log.warn('fleet outbox retention dropped unacknowledged records (reported to the collector as a gap)', { droppedNow: dropped, ...outbox.stats });
      } catch (err) {
        o.log.warn('fleet outbox retention failed', { error: (err as Error).message });
      }
    }
    publish();
  };
  housekeeping();
  const timer = setInterval(housekeeping, cfg.intervalS * 1000);
  timer.unref();

  if (o.why !== 'reload') recorder.event({ type: 'daemon-start', message: `stratum1d ${o.software} started` });
  recorder.start();
  uploader.start();
  o.log.info('fleet reporting on', { url: shownUrl, intervalS: cfg.intervalS });

  return {
    noteConfigChanged(source: string) {
      recorder.event({ type: 'config-changed', message: `configuration reloaded with changes from ${source}`.slice(0, 1024) });
    },
    async stop(budgetMs: number, why: 'stop' | 'reload' = 'stop') {
      clearInterval(timer);
      recorder.event(why === 'reload' ? { type: 'config-changed', message: 'fleet settings changed: uploader restarted' } : { type: 'daemon-stop', message: 'stopping' });
      recorder.stop();
      await uploader!.stop(budgetMs);
      poster.close();
      publish();
      outbox?.close();
    },
  };
}

/** The collector's URL as shown in status and logs: no user or password, should one be in it. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '(invalid url)';
  }
}
