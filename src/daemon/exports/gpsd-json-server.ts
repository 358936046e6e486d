import { createServer, type Server, type Socket } from 'node:net';
import type { Fix, Sky } from '../core/fix.js';
import { utcToUnixMs } from '../core/utc-time.js';
import { type SkyReport, skyReport, type TpvReport, tpvReport } from '../gnss/gpsd-json.js';
import { answer } from './gpsd-commands.js';
import { GpsdClient } from './gpsd-client.js';
import { gateSky, gateTpv, labelPublishable, type LabelTrust } from './gpsd-time-gate.js';
import {
  type DeviceInfo,
  encodeReport,
  errorReport,
  MAX_REPORT_BYTES,
  msToTimePair,
  type PpsEdge,
  type Report,
  ppsReport,
  toffReport,
  versionReport,
} from './gpsd-reports.js';
import { DEFAULT_MAX_REQUEST_BYTES, type ParsedRequest } from './request-parser.js';
import { TurnBudget } from '../../lib/turn-budget.js';
import { wants } from './watch-policy.js';

export interface GpsdJsonServerOptions {
  listen: string;
  /** 0 picks a free port (tests); see `address` after listen(). */
  port: number;
  maxClients: number;
  /** Output queued per client before its reports are dropped. */
  clientBufferBytes: number;
  maxRequestBytes?: number;
  /** The receiver as clients see it; set or replace later with setDevice(). */
  device?: DeviceInfo | null;
  /** VERSION "rev": who is really answering (e.g. `stratum1d 0.1.0`). */
  rev: string;
  /** Requests answered per client per event-loop turn (lib/turn-budget.ts). Default 32. */
  requestsPerTurn?: number;
  /**
   * A client that watches nothing and has sent nothing for this long is closed (gpsd's
   * NOREAD_TIMEOUT does the same), so idle connections cannot hold every slot. 0: never.
   */
  idleTimeoutMs?: number;
  now?: () => number;
  log?: { info(msg: string, fields?: Record<string, unknown>): void; warn(msg: string, fields?: Record<string, unknown>): void };
}

export interface GpsdServerStats {
  listening: boolean;
  clients: number;
  connections: number;
  /** Connections turned away because maxClients were already connected. */
  refused: number;
  /** Clients closed for idling (watching nothing, silent for idleTimeoutMs). */
  idleClosed: number;
  requests: Record<string, number>;
  errorsSent: number;
  reportsSent: Record<string, number>;
  bytesSent: number;
  /** Reports not queued for a client that was too far behind (per client, summed). */
  reportsDropped: number;
  /** SKY reports that lost satellites to stay within 10,240 bytes. */
  reportsTrimmed: number;
  /** Reports (or NMEA lines) over 10,240 bytes that could not be trimmed: sent to nobody. */
  reportsTooLarge: number;
  /** Requests left for a later event-loop turn because a client sent more than one slice's worth. */
  deferredTurns: number;
  /** Times a client's requests waited for it to read its replies. */
  outputWaits: number;
}

/**
 * gpsd's JSON protocol over TCP (gpsd_json(5)), served from what the daemon publishes
 * (publishFix, publishSky, publishNmea, publishPps), never from hardware. Serves one
 * device. Bad requests get ERROR replies and the client stays; slow clients lose reports
 * (counted) instead of holding up anyone else. Never throws after listen().
 */
export class GpsdJsonServer {
  readonly #o: GpsdJsonServerOptions;
  readonly #now: () => number;
  readonly #clients = new Set<GpsdClient>();
  #server: Server | null = null;
  #device: DeviceInfo | null;
  #seenGps = false;
  /** The verdict that came with the latest fix; SKY follows its epoch's fix. Untrusted until one says otherwise. */
  #trust: LabelTrust = { timeValid: false };
  #lastTpv: TpvReport | null = null;
  #lastSky: SkyReport | null = null;
  #nextId = 1;
  readonly #stats: Omit<GpsdServerStats, 'listening' | 'clients' | 'reportsDropped' | 'deferredTurns' | 'outputWaits'> = {
    connections: 0,
    refused: 0,
    idleClosed: 0,
    requests: {},
    errorsSent: 0,
    reportsSent: {},
    bytesSent: 0,
    reportsTrimmed: 0,
    reportsTooLarge: 0,
  };
  /** Drops of clients already gone, so the total survives their disconnect. */
  #droppedByGone = 0;
  readonly #budgets = new Map<GpsdClient, TurnBudget<ParsedRequest>>();
  #budgetTotals = { deferredTurns: 0, outputWaits: 0 };
  #idleTimer: NodeJS.Timeout | null = null;
  readonly #lastHeard = new Map<GpsdClient, number>();

  constructor(o: GpsdJsonServerOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
    this.#device = o.device ?? null;
  }

  /** The bound address (port resolved when 0 was asked for); null before listen(). */
  get address(): { host: string; port: number } | null {
    const a = this.#server?.address();
    return a && typeof a === 'object' ? { host: a.address, port: a.port } : null;
  }

  async listen(): Promise<{ host: string; port: number }> {
    if (this.#server) throw new Error('gpsd JSON server already listening');
    const server = createServer({ noDelay: true }, (s) => this.#accept(s));
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#o.port, this.#o.listen, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((err: Error) => {
      this.#server = null;
      throw new Error(`cannot listen for gpsd clients on ${this.#o.listen}:${this.#o.port}: ${err.message}`);
    });
    server.on('error', (err) => this.#o.log?.warn('gpsd JSON server error', { error: err.message }));
    const idle = this.#o.idleTimeoutMs ?? 0;
    if (idle > 0) {
      this.#idleTimer = setInterval(() => this.#closeIdle(idle), Math.max(50, Math.min(5000, idle / 4)));
      this.#idleTimer.unref();
    }
    const a = this.address!;
    this.#o.log?.info('gpsd JSON server listening', a);
    return a;
  }

  async close(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (this.#idleTimer) clearInterval(this.#idleTimer);
    this.#idleTimer = null;
    for (const c of this.#clients) c.destroy();
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  setDevice(device: DeviceInfo | null): void {
    this.#device = device;
  }

  /** One epoch and the daemon's verdict on its time label (gpsd-time-gate.ts: no label unless trusted). */
  publishFix(fix: Fix, trust: LabelTrust): void {
    this.#trust = { timeValid: trust.timeValid };
    const path = this.#device?.path;
    if (path === undefined) return;
    const tpv = gateTpv(tpvReport(fix, path), trust);
    this.#lastTpv = tpv;
    if (fix.mode >= 2) this.#seenGps = true;
    this.#broadcast(tpv, (c) => wants(c.policy, path, 'json'));
    // gpsd_json(5) TOFF: emitted each cycle to pps watchers: the label against the arrival time.
    if (labelPublishable(trust) && fix.time && fix.time.second < 60) {
      const toff = toffReport(path, msToTimePair(utcToUnixMs(fix.time)), msToTimePair(fix.receivedAt));
      this.#broadcast(toff, (c) => wants(c.policy, path, 'pps'));
    }
  }

  publishSky(sky: Sky): void {
    const path = this.#device?.path;
    if (path === undefined) return;
    const r = gateSky(skyReport(sky, path), this.#trust);
    this.#lastSky = r;
    this.#broadcast(r, (c) => wants(c.policy, path, 'json'));
  }

  /** One received NMEA line (without terminator) for `nmea`/`raw` watchers. */
  publishNmea(line: string): void {
    const path = this.#device?.path;
    if (path === undefined) return;
    const text = `${line}\r\n`;
    if (Buffer.byteLength(text) > MAX_REPORT_BYTES) {
      this.#stats.reportsTooLarge++;
      return;
    }
    this.#sendAll(text, 'NMEA', (c) => wants(c.policy, path, 'nmea'));
  }

  publishPps(edge: PpsEdge): void {
    const path = this.#device?.path;
    if (path === undefined) return;
    this.#broadcast(ppsReport(path, edge), (c) => wants(c.policy, path, 'pps'));
  }

  stats(): GpsdServerStats {
    let dropped = this.#droppedByGone;
    for (const c of this.#clients) dropped += c.counters.reportsDropped;
    const turns = { ...this.#budgetTotals };
    for (const b of this.#budgets.values()) {
      turns.deferredTurns += b.stats.deferredTurns;
      turns.outputWaits += b.stats.outputWaits;
    }
    return {
      listening: this.#server !== null,
      clients: this.#clients.size,
      ...structuredClone(this.#stats),
      reportsDropped: dropped,
      ...turns,
    };
  }

  #accept(socket: Socket): void {
    socket.on('error', () => undefined); // resets are normal client behaviour; 'close' follows
    if (!this.#server) {
      socket.destroy();
      return;
    }
    if (this.#clients.size >= this.#o.maxClients) {
      this.#stats.refused++;
      socket.end(`${JSON.stringify(errorReport(`Too many clients (${this.#o.maxClients}), try again later`))}\r\n`);
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    this.#stats.connections++;
    const client = new GpsdClient(socket, this.#nextId++, {
      bufferBytes: this.#o.clientBufferBytes,
      maxRequestBytes: this.#o.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES,
      now: this.#now(),
    });
    this.#clients.add(client);
    this.#lastHeard.set(client, this.#now());
    // Half the client's output allowance: one answer (a POLL: TPV + SKY, at most ~20 KB) still fits after the check.
    const budget = new TurnBudget<ParsedRequest>(socket, (req) => this.#answer(client, req), {
      perTurn: this.#o.requestsPerTurn ?? 32,
      maxQueued: 1024,
      maxOutputBytes: Math.floor(this.#o.clientBufferBytes / 2),
    });
    this.#budgets.set(client, budget);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.#onData(client, budget, chunk));
    socket.on('end', () => socket.end());
    socket.on('close', () => {
      this.#clients.delete(client);
      this.#lastHeard.delete(client);
      this.#budgets.delete(client);
      this.#budgetTotals.deferredTurns += budget.stats.deferredTurns;
      this.#budgetTotals.outputWaits += budget.stats.outputWaits;
      this.#droppedByGone += client.counters.reportsDropped;
    });
    // gpsd greets every client with its VERSION before it asks anything.
    this.#send(client, versionReport(this.#o.rev));
  }

  /** Tokenizing is cheap; answering (encoding TPV/SKY) is what is spread over turns. */
  #onData(client: GpsdClient, budget: TurnBudget<ParsedRequest>, chunk: string): void {
    this.#lastHeard.set(client, this.#now());
    let reqs: ParsedRequest[];
    try {
      reqs = client.parse(chunk);
    } catch (err) {
      this.#send(client, errorReport(`internal error: ${(err as Error).message}`));
      return;
    }
    budget.push(reqs);
  }

  #answer(client: GpsdClient, req: ParsedRequest): void {
    try {
      client.counters.requests++;
      const r = answer(req, client.policy, {
        device: this.#device,
        seenGps: this.#seenGps,
        lastTpv: this.#lastTpv,
        lastSky: this.#lastSky,
        nowMs: this.#now(),
        rev: this.#o.rev,
      });
      this.#stats.requests[r.counted] = (this.#stats.requests[r.counted] ?? 0) + 1;
      client.policy = r.policy;
      for (const rep of r.reports) this.#send(client, rep);
    } catch (err) {
      // A bug in a handler answers this client with an error; the server carries on.
      this.#send(client, errorReport(`internal error: ${(err as Error).message}`));
    }
  }

  /** Watchers are never idle: they are reading. Everyone else must say something now and then. */
  #closeIdle(idleMs: number): void {
    const now = this.#now();
    for (const c of this.#clients) {
      if (c.policy.enable) continue;
      const heard = this.#lastHeard.get(c) ?? c.connectedAt;
      if (now - heard < idleMs) continue;
      this.#stats.idleClosed++;
      this.#lastHeard.delete(c);
      this.#send(c, errorReport(`Idle for ${Math.round(idleMs / 1000)} s without a request or a watch, closing`));
      c.end();
    }
  }

  #send(client: GpsdClient, report: Report): void {
    const e = this.#encode(report);
    if (!e) return;
    const cls = String(report.class);
    if (client.send(e, cls === 'ERROR')) this.#count(cls, e);
    if (cls === 'ERROR') this.#stats.errorsSent++;
  }

  #broadcast(report: Report, who: (c: GpsdClient) => boolean): void {
    let any = false;
    for (const c of this.#clients) if (who(c)) any = true;
    if (!any) return; // no watcher: do not even encode
    const e = this.#encode(report);
    if (e) this.#sendAll(e, String(report.class), who);
  }

  #sendAll(line: string, cls: string, who: (c: GpsdClient) => boolean): void {
    for (const c of this.#clients) if (who(c) && c.send(line)) this.#count(cls, line);
  }

  #encode(report: Report): string | null {
    const e = encodeReport(report);
    if (!e) {
      this.#stats.reportsTooLarge++;
      return null;
    }
    if (e.trimmed) this.#stats.reportsTrimmed++;
    return e.line;
  }

  #count(cls: string, line: string): void {
    this.#stats.reportsSent[cls] = (this.#stats.reportsSent[cls] ?? 0) + 1;
    this.#stats.bytesSent += Buffer.byteLength(line);
  }
}
