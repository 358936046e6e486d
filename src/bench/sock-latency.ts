import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuUsage } from 'node:process';
import { UnixDatagramReceiver } from '../drivers/native/unix-datagram-receiver.js';
import { UnixDatagramSender } from '../drivers/native/unix-datagram-sender.js';
import { NmeaGenerator } from '../drivers/sim/nmea-generator.js';
import { NmeaPipeline } from '../daemon/gnss/nmea-pipeline.js';
import { createLogger } from '../daemon/logger.js';
import { ChronySockFeed } from '../daemon/timekeeper/feed/chrony-sock-feed.js';
import { decodeSockSample } from '../daemon/timekeeper/feed/sock-sample.js';

export interface SockLatencyResult {
  epochs: number;
  samplesReceived: number;
  /** From the hrtime taken as the epoch's first line is pushed to the SOCK sendto() returning. */
  medianUs: number;
  p99Us: number;
  /** Process CPU (user + system) per epoch: decoding the epoch's lines plus the send. */
  cpuUsPerEpoch: number;
}

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

/**
 * Line arrival → SOCK datagram sent, against a UnixDatagramReceiver standing in for chronyd.
 * Epochs are pushed back to back (no waiting for the wall clock); the fix of epoch N is
 * emitted when epoch N+1's first line arrives (or closeEpoch), as in the daemon, and the
 * latency is counted from that closing line — the earliest moment the epoch can be known.
 */
export async function benchSockLatency(epochs: number): Promise<SockLatencyResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sock-bench-'));
  const path = join(dir, 'chronyd-stand-in.sock');
  const receiver = UnixDatagramReceiver.open(path, { pollIntervalMs: 1 });
  let received = 0;
  receiver.on('message', (m) => {
    if (decodeSockSample(m.data, 'lp64') ?? decodeSockSample(m.data, 'time32')) received++;
  });
  const sender = new UnixDatagramSender();
  const log = createLogger({ level: 'error', format: 'json' });
  const feed = new ChronySockFeed({ sink: sender, nmeaPath: path, delayS: () => 0.12, log });
  const pipeline = new NmeaPipeline({ timeValidAfter: 1 });
  const generator = new NmeaGenerator();
  const latencies: number[] = [];
  let pushedAt = 0n;
  pipeline.on('fix', (fix, trust) => {
    if (feed.onFix(fix, trust)) latencies.push(Number(process.hrtime.bigint() - pushedAt) / 1000);
  });
  const start = Date.UTC(2025, 0, 1);
  const cpu0 = cpuUsage();
  for (let i = 0; i < epochs; i++) {
    const lines = generator.epoch(start + i * 1000, i * 1000);
    const arrival = start + i * 1000 + 120;
    lines.forEach((line, j) => {
      if (j === 0) pushedAt = process.hrtime.bigint();
      pipeline.push({ line, receivedAt: arrival });
    });
    receiver.drain(); // chronyd reads every datagram as it comes; a 10-deep queue would overflow otherwise
  }
  pushedAt = process.hrtime.bigint();
  pipeline.closeEpoch();
  const cpu = cpuUsage(cpu0);
  await new Promise((r) => setTimeout(r, 20));
  receiver.drain();
  sender.close();
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    epochs,
    samplesReceived: received,
    medianUs: pct(sorted, 0.5),
    p99Us: pct(sorted, 0.99),
    cpuUsPerEpoch: (cpu.user + cpu.system) / epochs,
  };
}
