import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEVICE_NAME } from '../device-tokens.js';
import type { DashboardContext } from './dashboard-context.js';
import { parseRange, RANGES, type ChartColumns, type RangeName } from './device-view.js';
import { HttpError } from './http-io.js';
import { LiveHub, type LiveTopic } from './live-hub.js';
import { deviceFragments, type ViewData } from './view-data.js';

/** GET /events: the SSE topics (the fleet, or one device and range) on top of the LiveHub. */

function sliceColumns(c: ChartColumns, from: number): ChartColumns {
  return Object.fromEntries(Object.entries(c).map(([k, v]: [string, unknown[]]) => [k, v.slice(from)])) as unknown as ChartColumns;
}

export function createLiveStreams(ctx: DashboardContext, data: ViewData) {
  const { store, log } = ctx;
  const { fleetMessage, deviceData } = data;
  const hub = new LiveHub({
    pollMs: ctx.options?.pollMs ?? 2000,
    heartbeatMs: ctx.options?.heartbeatMs ?? 15_000,
    maxStreams: ctx.options?.maxStreams ?? 200,
    onError: (err, key) => log.warn('dashboard live poll failed', { topic: key, error: String(err) }),
  });

  /** A device topic: pushes new points (raw ranges) or the whole series (rolled-up ranges) when lastSeq moves. */
  async function deviceTopic(name: string, range: RangeName): Promise<LiveTopic & { lastAt: number; lastSeq: number }> {
    const first = await deviceData(name, range);
    const state = { lastSeq: first?.device.lastSeq ?? -1, lastAt: first?.columns.t.at(-1) ?? 0, lastFp: '' };
    return {
      get lastAt() {
        return state.lastAt;
      },
      get lastSeq() {
        return state.lastSeq;
      },
      async poll() {
        const devices = await store.devices();
        const dev = devices.find((d) => d.name === name);
        if (!dev || dev.lastSeq === state.lastSeq) return null;
        const d = await deviceData(name, range);
        if (!d) return null;
        state.lastSeq = d.device.lastSeq;
        const msg: Record<string, unknown> = { seq: d.device.lastSeq, html: deviceFragments(d) };
        if (RANGES[range].resolution === 'raw') {
          const idx = d.columns.t.findIndex((t) => t > state.lastAt);
          if (idx >= 0) msg.append = sliceColumns(d.columns, idx);
        } else {
          msg.replace = d.columns;
        }
        state.lastAt = Math.max(state.lastAt, d.columns.t.at(-1) ?? 0);
        return JSON.stringify(msg);
      },
    };
  }

  async function handleEvents(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const topic = url.searchParams.get('topic');
    if (topic === 'fleet') {
      const clientFp = url.searchParams.get('fp');
      let last = '';
      await hub.open(
        req,
        res,
        'fleet',
        async () => {
          last = (await fleetMessage()).fp;
          return {
            async poll() {
              const m = await fleetMessage();
              if (m.fp === last) return null;
              last = m.fp;
              return m.msg;
            },
          };
        },
        async () => {
          const m = await fleetMessage();
          return m.fp === clientFp ? null : m.msg;
        },
      );
      return;
    }
    if (topic === 'device') {
      const name = url.searchParams.get('device') ?? '';
      if (!DEVICE_NAME.test(name)) throw new HttpError(400, 'bad device name');
      const range = parseRange(url.searchParams.get('range'));
      const since = Number(url.searchParams.get('since') ?? 0);
      const seq = Number(url.searchParams.get('seq') ?? -1);
      await hub.open(
        req,
        res,
        `device:${name}:${range}`,
        () => deviceTopic(name, range),
        async () => {
          // Catch-up for this stream: what was stored between its page render and now.
          const d = await deviceData(name, range);
          if (!d || d.device.lastSeq === seq) return null;
          const msg: Record<string, unknown> = { seq: d.device.lastSeq, html: deviceFragments(d) };
          if (RANGES[range].resolution === 'raw') {
            const idx = d.columns.t.findIndex((t) => t > since);
            if (idx >= 0) msg.append = sliceColumns(d.columns, idx);
          } else msg.replace = d.columns;
          return JSON.stringify(msg);
        },
      );
      return;
    }
    throw new HttpError(400, 'unknown topic');
  }

  return { hub, handleEvents };
}
