import { open } from 'node:fs/promises';
import { skyJsonBody, skyJsonWithBody, tpvJson } from '../daemon/gnss/gpsd-json-text.js';
import { decodeLog } from '../daemon/gnss/log-reader.js';
import type { DecodeCounters } from '../daemon/gnss/nmea-pipeline.js';
import { errorTotal } from '../daemon/gnss/nmea/decode-counters.js';
import { type CliIo, parseFlags, UsageError } from './flags.js';

/** sysexits.h */
const EX_USAGE = 64;
const EX_NOINPUT = 66;

const USAGE = `usage: stratum1d decode [--accept-no-checksum] [--time-valid-after N] [FILE|-]

Decodes a recorded NMEA 0183 log (FILE, or standard input for - or no FILE) with the
daemon's own decoder and prints gpsd JSON reports, one per line:
  - a TPV for every epoch (the sentences of one fix time),
  - a SKY whenever the sky view (satellites, used flags, DOPs) differs from the last
    SKY printed; an unchanged view is not repeated every epoch.
Lines starting with '#' are a header; '# Date: YYYY-MM-DD' (gpsd's regression logs)
dates sentences that carry no date of their own.

Bad input is counted, never fatal: at the end a one-line summary and the decoder
counters (JSON) go to standard error, and the exit status stays 0.

options:
  --accept-no-checksum   accept sentences that have no *hh checksum (default: reject)
  --time-valid-after N   valid epochs in a row before the time is trusted (default 3)
  --help                 this text

exit status: 0 decoded; 64 bad usage; 66 FILE cannot be opened.`;

/** Resolves when the stream can take more, or will never (error, close): never rejects. */
function writable(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('error', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('error', done);
    stream.on('close', done);
  });
}

function summary(c: DecodeCounters, fixes: number, timed: number, timeValid: number): string {
  const sum = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);
  const parts = [
    `${c.lines} lines`,
    `${sum(c.sentences)} sentences decoded`,
    `${sum(c.unknown)} not decoded (unknown/proprietary)`,
    `${errorTotal(c)} bad (checksum ${c.badChecksum}, no checksum ${c.missingChecksum}, overlong ${c.overlong}, ` +
      `noise ${c.noise}, partial ${c.partial}, malformed ${sum(c.malformed)}, bad address ${c.badAddress})`,
    `${c.epochs} epochs`,
    `${fixes} TPV (${timed} with time and a 2D/3D fix, ${timeValid} time-valid)`,
  ];
  return `stratum1d decode: ${parts.join(', ')}`;
}

export async function runDecode(
  argv: string[],
  io: { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  let flags: ReturnType<typeof parseFlags>;
  try {
    flags = parseFlags(argv, { help: 'boolean', 'accept-no-checksum': 'boolean', 'time-valid-after': 'string' });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`stratum1d decode: ${err.message}\n${USAGE}\n`);
    return EX_USAGE;
  }
  if (flags.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const usage = (msg: string): number => {
    io.stderr.write(`stratum1d decode: ${msg}\n${USAGE}\n`);
    return EX_USAGE;
  };
  if (flags._.length > 1) return usage(`one FILE at most, got ${flags._.length}`);
  let timeValidAfter = 3;
  if (flags['time-valid-after'] !== undefined) {
    const raw = String(flags['time-valid-after']);
    timeValidAfter = Number(raw);
    if (!/^\d+$/.test(raw) || timeValidAfter < 1 || timeValidAfter > 1000) {
      return usage(`--time-valid-after needs a whole number from 1 to 1000, got "${raw}"`);
    }
  }

  const path = flags._[0] ?? '-';
  let input: NodeJS.ReadableStream = io.stdin;
  if (path !== '-') {
    try {
      // Open first so a missing or unreadable file is a clear message, not a stream error.
      const fh = await open(path, 'r');
      const st = await fh.stat();
      if (st.isDirectory()) {
        await fh.close();
        io.stderr.write(`stratum1d decode: ${path} is a directory, not a log file\n`);
        return EX_NOINPUT;
      }
      // 64 KiB, like a pipe: each chunk's text stays a regular young-generation string (larger
      // ones go to V8's large object space, freed only by a full collection).
      input = fh.createReadStream({ highWaterMark: 64 * 1024 });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.message;
      io.stderr.write(`stratum1d decode: cannot open ${path}: ${why}\n`);
      return EX_NOINPUT;
    }
  }

  let out = '';
  let outputBroken = false;
  io.stdout.on('error', () => {
    outputBroken = true; // reader went away (`| head`): keep counting, stop writing
  });
  const flush = async (): Promise<void> => {
    if (out.length === 0) return;
    const chunk = out;
    out = '';
    if (outputBroken) return;
    if (!io.stdout.write(chunk)) await writable(io.stdout);
  };
  let fixes = 0;
  let timed = 0;
  let timeValid = 0;
  let lastSky: string | null = null; // null: no SKY printed yet (an empty body is a view too)
  const result = await decodeLog(
    input,
    { acceptMissingChecksum: flags['accept-no-checksum'] === true, timeValidAfter },
    {
      fix(fix, trust) {
        fixes++;
        if (fix.time && fix.mode >= 2) timed++;
        if (trust.timeValid) timeValid++;
        out += `${tpvJson(fix)}\n`;
      },
      sky(sky) {
        // The report without its time says what the view is: print it only when that changed.
        const body = skyJsonBody(sky);
        if (body === lastSky) return;
        lastSky = body;
        out += `${skyJsonWithBody(sky, body)}\n`;
      },
      afterChunk: () => (out.length > 65536 ? flush() : undefined),
    },
  );
  await flush();
  io.stderr.write(`${summary(result.counters, fixes, timed, timeValid)}\n`);
  io.stderr.write(`${JSON.stringify({ counters: result.counters })}\n`);
  return 0;
}
