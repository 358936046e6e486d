#!/usr/bin/env node
// npm run demo:fleet — what a newcomer runs to see the fleet: a collector on a temporary SQLite
// database, a dashboard admin login, and 50 simulated appliances with two hours of history and
// occasional faults. Stays up until Ctrl-C, then stops everything and removes the database.
//
//   DEMO_DEVICES=N   how many appliances (default 50)
//   DEMO_LISTEN=HOST:PORT   where the collector listens (default 127.0.0.1:8470, or a free port)
//   DEMO_KEEP=1      keep the temporary directory (database and logs) after Ctrl-C
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin', 'stratum1d.js');
const devices = Number(process.env.DEMO_DEVICES ?? 50);

function newestMtime(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

// Build when dist/ is missing or older than the sources.
const distMark = join(ROOT, 'dist', 'collector', 'simulate', 'simulate-cli.js');
if (!existsSync(distMark) || newestMtime(join(ROOT, 'src')) > statSync(distMark).mtimeMs) {
  process.stderr.write('demo: building (tsc)…\n');
  const b = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.json')], { stdio: 'inherit' });
  if (b.status !== 0) {
    process.stderr.write('demo: the build failed\n');
    process.exit(1);
  }
}

async function portFree(host, port) {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

async function freePort(host) {
  const s = createServer();
  await new Promise((r) => s.listen(0, host, r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

let listen = process.env.DEMO_LISTEN;
if (!listen) {
  const host = '127.0.0.1';
  listen = `${host}:${(await portFree(host, 8470)) ? 8470 : await freePort(host)}`;
}
const url = `http://${listen}`;
const dir = mkdtempSync(join(tmpdir(), 'stratum1d-demo-'));
const db = join(dir, 'fleet.db');
const children = [];

function stratum1d(args, opts = {}) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', ...opts });
}

function start(name, args) {
  const log = openSync(join(dir, `${name}.log`), 'a');
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', log, log] });
  children.push(child);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      process.stderr.write(`demo: the ${name} exited (${signal ?? code}); its log: ${join(dir, `${name}.log`)}\n`);
      stop(1);
    }
  });
  return child;
}

let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  process.stderr.write('\ndemo: stopping…\n');
  for (const c of children.reverse()) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGTERM');
      await new Promise((r) => {
        const t = setTimeout(() => (c.kill('SIGKILL'), r()), 10_000);
        c.once('exit', () => (clearTimeout(t), r()));
      });
    }
  }
  if (process.env.DEMO_KEEP) process.stderr.write(`demo: kept ${dir}\n`);
  else rmSync(dir, { recursive: true, force: true });
  process.exit(code);
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

// The dashboard login: an admin with a random password, printed below.
const password = randomBytes(9).toString('base64url');
const user = stratum1d(['collector', 'add-user', 'admin', '--role', 'admin', '--db', db], { input: `${password}\n` });
if (user.status !== 0) {
  process.stderr.write(`demo: add-user failed: ${user.stderr}\n`);
  await stop(1);
}

start('collector', ['collector', 'serve', '--db', db, '--listen', listen, '--interval', '10']);
const deadline = Date.now() + 30_000;
for (;;) {
  try {
    const r = await fetch(`${url}/health`);
    if (r.status < 500) break;
  } catch {
    // not listening yet
  }
  if (Date.now() > deadline) {
    process.stderr.write(`demo: the collector did not answer on ${url}/health; its log: ${join(dir, 'collector.log')}\n`);
    await stop(1);
  }
  await new Promise((r) => setTimeout(r, 200));
}

// Two hours of history each (sent as a backlog at start), then a record every 10 s; faults
// about every 2 h per appliance, so with 50 a new one every 2 to 3 minutes and a few at any time.
start('simulator', ['collector', 'simulate', '--devices', String(devices), '--url', url, '--db', db, '--backfill', '7200', '--fault-every', '7200', '--status-every', '30']);

process.stdout.write(`
stratum1d fleet demo: a collector and ${devices} simulated appliances

  dashboard   ${url}/
  login       admin / ${password}
  database    ${db} (SQLite, removed at exit)
  logs        ${join(dir, 'collector.log')}, ${join(dir, 'simulator.log')}

  see the devices:  node bin/stratum1d.js collector devices --db ${db}

Ctrl-C stops everything.
`);
