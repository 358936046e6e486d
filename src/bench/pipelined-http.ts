import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { gateRequests } from '../lib/request-gate.js';
import { median, type BenchFigure } from './figure.js';

/**
 * Issue 9's last shape of flood: one client pipelining 5,000 small POSTs on one connection.
 * Node's parser takes a whole socket read (~780 such requests) in one call; the request gate
 * (lib/request-gate.ts) hands it one request per turn. The figure is the longest
 * the event loop was blocked while the flood was answered (the gap between 1 ms ticks): what
 * every other client, and chronyd's samples, wait for. Each side runs in its own process.
 */
const REQUESTS = 5000;
const SELF = fileURLToPath(import.meta.url);

interface Run {
  worstBlockMs: number;
  answered: number;
  ms: number;
}

async function runOne(gated: boolean): Promise<Run> {
  const server = createServer((req, res) => {
    req.resume();
    // The answer the daemon gives a key over its admission limit: the cheapest real answer.
    req.on('end', () => res.writeHead(503, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","error":{"code":-32000,"message":"busy"},"id":null}'));
  });
  if (gated) gateRequests(server, { requests: 0, held: 0, passthrough: 0 });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
  const one = `POST /mcp HTTP/1.1\r\nhost: x\r\nx-api-key: k\r\ncontent-type: application/json\r\naccept: application/json, text/event-stream\r\ncontent-length: ${body.length}\r\n\r\n${body}`;
  let last = performance.now();
  let worst = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 1);
  const sock = connect(port, '127.0.0.1');
  let answered = 0;
  let tail = '';
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    sock.on('data', (c: Buffer) => {
      const text = tail + c.toString('latin1');
      answered += (text.match(/HTTP\/1\.1 503/g) ?? []).length;
      tail = text.slice(-16);
      if (answered >= REQUESTS) sock.destroy();
    });
    sock.on('error', () => undefined);
    sock.on('close', () => resolve());
    sock.on('connect', () => {
      last = performance.now();
      worst = 0;
      sock.write(one.repeat(REQUESTS));
    });
    // A server that stops answering ends the round; the count says so.
    setTimeout(() => sock.destroy(), 60_000).unref();
  });
  clearInterval(tick);
  server.closeAllConnections();
  server.close();
  return { worstBlockMs: worst, answered, ms: performance.now() - t0 };
}

export async function benchPipelinedFigures(opts: { rounds: number; log: (s: string) => void }): Promise<BenchFigure[]> {
  const ours: number[] = [];
  const peer: number[] = [];
  const child = (mode: 'gate' | 'bare'): Run => {
    const r = spawnSync(process.execPath, [SELF, mode], { encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new Error(`pipelined-http ${mode}: ${r.stderr || r.error?.message}`);
    return JSON.parse(r.stdout) as Run;
  };
  for (let i = 0; i < opts.rounds; i++) {
    const g = child('gate');
    const b = child('bare');
    opts.log(`pipelined HTTP round ${i + 1}: gated ${g.worstBlockMs.toFixed(1)} ms (${g.answered} answers), node:http alone ${b.worstBlockMs.toFixed(1)} ms (${b.answered})`);
    ours.push(g.worstBlockMs);
    peer.push(b.worstBlockMs);
  }
  const m = median(ours);
  return [
    {
      id: 'pipelined-http-block',
      what: `longest event-loop block while one client pipelines ${REQUESTS.toLocaleString('en')} POSTs on one connection (each answered 503)`,
      unit: 'ms',
      better: 'lower',
      ours: { label: 'node:http behind the request gate (as the daemon serves /mcp)', samples: ours },
      peer: { label: `node:http alone`, version: process.version, samples: peer },
      goal: {
        text: 'a flood from one client delays only that client: no block near a 100 ms label interval',
        measured: `${m.toFixed(1)} ms`,
        met: m < 50,
        ...(m < 50 ? {} : { why: 'the gate hands one request per turn; what remains is one read of the socket and GC' }),
      },
      commands: [`node ${SELF.replace(/^.*\/dist\//, 'dist/')} gate`, `node ${SELF.replace(/^.*\/dist\//, 'dist/')} bare`],
    },
  ];
}

if (process.argv[1] === SELF && (process.argv[2] === 'gate' || process.argv[2] === 'bare')) {
  runOne(process.argv[2] === 'gate').then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (err: Error) => {
      process.stderr.write(`${err.stack ?? err.message}\n`);
      process.exitCode = 1;
    },
  );
}
