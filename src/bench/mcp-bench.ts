import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import WebSocket from 'ws';

/**
 * `get_time` round trips through the SDK client: stratum1d over stdio (the real `stratum1d mcp`
 * process bridged to a simulated daemon, as over SSH) and over WebSocket (the daemon's own
 * listener, loopback), next to the npm peer `time-mcp` over stdio (`current_time`, its
 * equivalent). Each client calls back to back; every configuration is bounded both in calls
 * and in time, so the whole run stays under a minute on 2 cores.
 */

export interface Row {
  transport: 'stdio' | 'websocket';
  peer: 'stratum1d' | 'time-mcp';
  clients: number;
  /** Calls measured (after a short warm-up per client). */
  calls: number;
  p50Ms: number;
  p99Ms: number;
  /** Calls completed per second of wall time, all clients together. */
  callsPerS: number;
}

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'bin', 'stratum1d.js');
const TIME_MCP = join(ROOT, 'node_modules', 'time-mcp', 'dist', 'index.js');

/** Calls per configuration (spread over the clients) and the wall-time cap for one configuration. */
const TOTAL_CALLS = 2000;
const MAX_MS = 3000;
const WARMUP_PER_CLIENT = 3;
/** Clients of one configuration started this many at a time (50 node processes at once would starve 2 cores). */
const SPAWN_BATCH = 25;

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;

interface Target {
  transport: Row['transport'];
  peer: Row['peer'];
  tool: string;
  connect(): Promise<Client>;
}

async function measure(target: Target, clients: number): Promise<Row> {
  const conns: Client[] = [];
  try {
    for (let i = 0; i < clients; i += SPAWN_BATCH) {
      const batch = await Promise.allSettled(Array.from({ length: Math.min(SPAWN_BATCH, clients - i) }, () => target.connect()));
      // Keep the ones that did connect so `finally` closes them even when another failed.
      for (const b of batch) if (b.status === 'fulfilled') conns.push(b.value);
      const failed = batch.find((b) => b.status === 'rejected');
      if (failed) throw failed.reason;
    }
    const call = async (c: Client) => {
      const r = await c.callTool({ name: target.tool, arguments: {} });
      if (r.isError) throw new Error(`${target.peer} ${target.tool} failed: ${JSON.stringify(r.content)}`);
    };
    for (const c of conns) for (let i = 0; i < WARMUP_PER_CLIENT; i++) await call(c);
    const perClient = Math.ceil(TOTAL_CALLS / clients);
    const latencies: number[] = [];
    const t0 = performance.now();
    const deadline = t0 + MAX_MS;
    await Promise.all(
      conns.map(async (c) => {
        for (let i = 0; i < perClient && performance.now() < deadline; i++) {
          const s = performance.now();
          await call(c);
          latencies.push(performance.now() - s);
        }
      }),
    );
    const wall = performance.now() - t0;
    latencies.sort((a, b) => a - b);
    return {
      transport: target.transport,
      peer: target.peer,
      clients,
      calls: latencies.length,
      p50Ms: pct(latencies, 0.5),
      p99Ms: pct(latencies, 0.99),
      callsPerS: (latencies.length / wall) * 1000,
    };
  } finally {
    await Promise.allSettled(conns.map((c) => c.close()));
  }
}

function stdioTarget(peer: Row['peer'], args: string[], tool: string): Target {
  return {
    transport: 'stdio',
    peer,
    tool,
    async connect() {
      const c = new Client({ name: 'stratum1d-bench', version: '0' });
      await c.connect(new StdioClientTransport({ command: process.execPath, args, stderr: 'ignore' }));
      return c;
    },
  };
}

/** The SDK's WebSocket client uses the global WebSocket (absent in Node 20): ws, carrying the key. */
function websocketTarget(url: string, key: string): Target {
  return {
    transport: 'websocket',
    peer: 'stratum1d',
    tool: 'get_time',
    async connect() {
      const g = globalThis as { WebSocket?: unknown };
      const saved = g.WebSocket;
      g.WebSocket = class extends WebSocket {
        constructor(u: string | URL, protocols?: string | string[]) {
          super(u, protocols, { headers: { authorization: `Bearer ${key}` } });
        }
      };
      try {
        const c = new Client({ name: 'stratum1d-bench', version: '0' });
        await c.connect(new WebSocketClientTransport(new URL(url)));
        return c;
      } finally {
        g.WebSocket = saved;
      }
    },
  };
}

interface BenchDaemon {
  child: ChildProcess;
  socket: string;
  wsUrl: string;
  key: string;
  dir: string;
}

/** A simulated daemon with MCP on a free loopback port, one read key, and a rate limit out of the way. */
async function startDaemon(): Promise<BenchDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 's1d-mcp-bench-'));
  const key = randomBytes(24).toString('hex');
  const sha256 = createHash('sha256').update(key).digest('hex');
  const child = spawn(process.execPath, [BIN, 'run', '--simulate'], {
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      STRATUM1D_PATHS__RUNTIME_DIR: join(dir, 'run'),
      STRATUM1D_PATHS__STATE_DIR: join(dir, 'state'),
      STRATUM1D_GPSD__PORT: '0',
      STRATUM1D_LOG__LEVEL: 'info',
      STRATUM1D_MCP__ENABLED: 'true',
      STRATUM1D_MCP__LISTEN: '127.0.0.1',
      STRATUM1D_MCP__PORT: '0',
      STRATUM1D_MCP__KEYS: `[{name: bench, role: read, sha256: "${sha256}"}]`,
      // The limiter is a defence, not the thing measured: its maxima.
      STRATUM1D_MCP__RATE_LIMIT__PER_SECOND: '10000',
      STRATUM1D_MCP__RATE_LIMIT__BURST: '100000',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let buf = '';
  const wsUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`daemon did not report the MCP listener in 15 s:\n${buf.slice(-2000)}`));
    }, 15_000);
    child.once('exit', (code) => reject(new Error(`daemon exited (${code}) before MCP listened:\n${buf.slice(-2000)}`)));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      buf += c;
      // The JSON log line `MCP listening` carries the bound address (port 0 → a free port).
      for (const line of buf.split('\n')) {
        if (!line.includes('"MCP listening"')) continue;
        try {
          const ws = (JSON.parse(line) as { ws?: string }).ws;
          if (ws) {
            clearTimeout(timer);
            resolve(ws);
          }
        } catch {
          // a partial line: the rest comes with the next chunk
        }
      }
      if (buf.length > 1 << 20) buf = buf.slice(-4096);
    });
  });
  child.stderr!.removeAllListeners('data').resume();
  return { child, socket: join(dir, 'run', 'control.sock'), wsUrl, key, dir };
}

async function stopDaemon(d: BenchDaemon): Promise<void> {
  if (d.child.exitCode === null) {
    const exited = new Promise((r) => d.child.once('exit', r));
    d.child.kill('SIGTERM');
    await exited;
  }
  rmSync(d.dir, { recursive: true, force: true });
}

export async function benchMcp(clientCounts: number[] = [1, 50], progress: (line: string) => void = () => undefined): Promise<Row[]> {
  const daemon = await startDaemon();
  try {
    // Let the simulator reach a time-valid fix so get_time reports a real quality, as in service.
    await new Promise((r) => setTimeout(r, 3000));
    const targets: Target[] = [
      stdioTarget('stratum1d', [BIN, 'mcp', '--socket', daemon.socket], 'get_time'),
      websocketTarget(daemon.wsUrl, daemon.key),
      stdioTarget('time-mcp', [TIME_MCP], 'current_time'),
    ];
    const rows: Row[] = [];
    for (const n of clientCounts)
      for (const target of targets) {
        const t0 = performance.now();
        rows.push(await measure(target, n));
        progress(`mcp bench: ${target.peer} ${target.transport} x${n}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      }
    return rows;
  } finally {
    await stopDaemon(daemon);
  }
}

/** One markdown table row per Row, for bench/results.md and the README. */
export function mcpRowLine(r: Row): string {
  const peer = r.peer === 'stratum1d' ? 'stratum1d `get_time`' : 'time-mcp 1.0.6 `current_time`';
  return `| ${peer} | ${r.transport} | ${r.clients} | ${r.calls} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${Math.round(r.callsPerS).toLocaleString('en')} |`;
}

// `node dist/bench/mcp-bench.js` runs it alone.
if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  const t0 = performance.now();
  benchMcp([1, 50], (l) => process.stderr.write(`${l}\n`))
    .then((rows) => {
      process.stdout.write(['| server, tool | transport | clients | calls | p50 ms | p99 ms | calls/s |', '|---|---|---|---|---|---|---|', ...rows.map(mcpRowLine)].join('\n') + '\n');
      process.stderr.write(`mcp bench: ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    })
    .catch((err: Error) => {
      process.stderr.write(`mcp bench failed: ${err.stack ?? err.message}\n`);
      process.exitCode = 1;
    });
}
