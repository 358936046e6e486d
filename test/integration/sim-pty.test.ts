// The real serial path: simulator → socat pseudo-terminal pair → serialport (native
// binding) → SerialportLink. Tolerances are generous: this runs on a loaded 2-core box.
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Writable } from 'node:stream';
import { runSimulate } from '../../src/cli/simulate.js';
import type { LineSample } from '../../src/drivers/serial/serial-link.js';
import { SerialportLink } from '../../src/drivers/serial/serialport-link.js';
import { nmeaChecksum } from '../../src/lib/nmea-checksum.js';
import { startPtyPair } from '../helpers/pty.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LATENCY = 150;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

const checksummed = (line: string) => {
  const m = /^\$([^*$]*)\*([0-9A-F]{2})$/.exec(line);
  return m !== null && nmeaChecksum(m[1]!) === parseInt(m[2]!, 16);
};

interface Epoch {
  labelMs: number; // UTC of the RMC's date and time
  firstAt: number; // receivedAt of the RMC
  lines: LineSample[];
}

/** Whole epochs (RMC ... ZDA) from the first RMC on; the first line after open may be a fragment. */
function epochsOf(lines: LineSample[]): Epoch[] {
  const start = lines.findIndex((l) => /^\$..RMC,/.test(l.line));
  const out: Epoch[] = [];
  for (const l of start < 0 ? [] : lines.slice(start)) {
    const f = l.line.split(',');
    if (/^\$..RMC$/.test(f[0]!)) {
      const [time, date] = [f[1]!, f[9]!];
      const labelMs = Date.UTC(
        2000 + Number(date.slice(4, 6)),
        Number(date.slice(2, 4)) - 1,
        Number(date.slice(0, 2)),
        Number(time.slice(0, 2)),
        Number(time.slice(2, 4)),
        Number(time.slice(4, 6)),
      );
      out.push({ labelMs, firstAt: l.receivedAt, lines: [] });
    }
    out.at(-1)!.lines.push(l);
  }
  return out.filter((e) => e.lines.some((l) => /^\$..ZDA,/.test(l.line)));
}

/** What a daemon relies on: checksummed sentences, one epoch a second, labels true to the wall clock. */
function checkEpochs(t: Test, lines: LineSample[], what: string): void {
  const eps = epochsOf(lines);
  t.ok(eps.length >= 3, `${what}: at least 3 whole epochs (got ${eps.length})`);
  const all = eps.flatMap((e) => e.lines);
  t.same(
    all.filter((l) => !checksummed(l.line)).map((l) => l.line),
    [],
    `${what}: every line after the first RMC is a checksummed sentence`,
  );
  for (let i = 1; i < eps.length; i++) {
    t.equal(eps[i]!.labelMs - eps[i - 1]!.labelMs, 1000, `${what}: consecutive labels one second apart`);
  }
  const delays = eps.map((e) => e.firstAt - e.labelMs);
  t.ok(
    delays.every((d) => d >= LATENCY - 5 && d <= LATENCY + 600),
    `${what}: first byte ${LATENCY} ms after the labelled second, give or take the load (${delays.join(', ')} ms)`,
  );
}

function collect(link: SerialportLink) {
  const lines: LineSample[] = [];
  const closes: (Error | null)[] = [];
  link.on('line', (l) => lines.push(l));
  link.on('close', (e) => closes.push(e));
  return { lines, closes };
}

/** How sim-pty.sh runs the simulator: the built CLI if there is one, else runSimulate from source. */
function simulateCommand(dir: string): Record<string, string> {
  if (existsSync(`${ROOT}/dist/cli/main.js`) && existsSync(`${ROOT}/bin/stratum1d.js`)) return {};
  const entry = `${dir}/simulate-entry.mts`;
  const simulate = pathToFileURL(`${ROOT}/src/cli/simulate.ts`).href.replace(/\.ts$/, '.js');
  writeFileSync(
    entry,
    `import { runSimulate } from '${simulate}';\n` +
      `process.exitCode = await runSimulate(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });\n`,
  );
  const loader = process.execArgv.filter((a) => a.startsWith('--import=') && a.includes('typescript'));
  return { STRATUM1D_SIMULATE: [process.execPath, ...loader, entry].join(' ') };
}

t.test('scripts/sim-pty.sh: NMEA epochs over a real pty, cleaned up on SIGTERM', async (t) => {
  const dir = t.testdir({});
  const gnss = `${dir}/gnss`;
  const sim = `${dir}/sim`;
  const child = spawn('bash', [`${ROOT}/scripts/sim-pty.sh`, '--gnss-link', gnss, '--sim-link', sim, '--latency', String(LATENCY)], {
    env: { ...process.env, ...simulateCommand(dir) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  await until(() => stdout.includes('\n'), 10_000, `the daemon-side path on stdout (stderr: ${stderr})`);
  t.equal(stdout.trim(), gnss, 'prints the daemon side');
  const link = new SerialportLink({ path: gnss });
  const { lines, closes } = collect(link);
  await link.open();
  await until(() => epochsOf(lines).length >= 4, 30_000, `4 epochs (stderr: ${stderr})`);
  checkEpochs(t, lines, 'sim-pty.sh');

  child.kill('SIGTERM');
  t.equal(await exited, 143, 'exits 143 on SIGTERM');
  t.notOk(existsSync(gnss) || existsSync(sim), 'both links removed');
  await until(() => closes.length > 0, 30_000, 'the link to close');
  t.match(closes[0]?.message, /device went away/, 'the daemon side sees the device vanish');
  t.match(stderr, /simulate: stopped after \d+ lines/, 'the simulator was stopped cleanly');
});

t.test('pty stop and restart: the link closes with an error, then reopens and reads again', async (t) => {
  const pair = await startPtyPair();
  t.teardown(() => pair.dispose());
  const ac = new AbortController();
  let simErr = '';
  const sink = new Writable({ write: (c: Buffer, _e, cb) => ((simErr += c.toString()), cb()) });
  const run = runSimulate(['--to', pair.simSide, '--latency', String(LATENCY)], { stdout: sink, stderr: sink }, { signal: ac.signal });
  t.teardown(() => ac.abort());

  const link = new SerialportLink({ path: pair.daemonSide });
  const { lines, closes } = collect(link);
  t.teardown(() => link.close());
  await link.open();
  await until(() => epochsOf(lines).length >= 3, 10_000, '3 epochs');
  checkEpochs(t, lines, 'before the stop');

  await pair.stop();
  await until(() => closes.length > 0, 30_000, 'the link to close');
  t.match(closes[0]?.message, new RegExp(`${pair.daemonSide}: device went away`));
  t.notOk(link.isOpen);
  await t.rejects(link.open(), { message: new RegExp(`cannot open GNSS serial port ${pair.daemonSide}`) }, 'no device, no open');

  await pair.restart();
  const replugged = Date.now();
  let opened = false;
  while (!opened && Date.now() - replugged < 30_000) {
    opened = await link.open().then(
      () => true,
      () => sleep(200).then(() => false),
    );
  }
  t.ok(opened, 'open() succeeds again after the restart');
  const before = lines.length;
  await until(() => epochsOf(lines.slice(before)).length >= 3, 10_000, 'epochs after the restart');
  t.ok(lines[before]!.receivedAt >= replugged, 'data flows again after the re-plug');
  t.comment(`first line ${lines[before]!.receivedAt - replugged} ms after the re-plug`);
  checkEpochs(t, lines.slice(before), 'after the restart');
  t.match(simErr, /reopened/, 'the simulator reopened its side');

  ac.abort();
  t.equal(await run, 0);
});
