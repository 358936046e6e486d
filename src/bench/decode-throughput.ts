import { createReadStream } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { skyReport, tpvReport } from '../daemon/gnss/gpsd-json.js';
import { decodeLog } from '../daemon/gnss/log-reader.js';

/**
 * Decoder throughput over recorded logs, measured the way `stratum1d decode` works: read
 * each file, frame and decode every line, assemble epochs, render every TPV and SKY as
 * gpsd JSON text, and throw the text away (like `gpsdecode -d -j < LOG > /dev/null`,
 * which the bench runner times on the same files).
 *
 * `sentences` counts every non-header line fed to the decoder, good or bad, as gpsdecode
 * also reads every line; header (`#`) lines are not counted.
 */
export async function benchDecode(files: string[]): Promise<{ sentences: number; seconds: number; perSecond: number }> {
  let sentences = 0;
  let sink = 0; // keeps the rendered JSON observable so it cannot be optimised away
  const t0 = performance.now();
  for (const f of files) {
    const r = await decodeLog(createReadStream(f, { highWaterMark: 256 * 1024 }), {}, {
      fix(fix) {
        sink += JSON.stringify(tpvReport(fix)).length;
      },
      sky(sky) {
        sink += JSON.stringify(skyReport(sky)).length;
      },
    });
    sentences += r.counters.lines;
  }
  const seconds = (performance.now() - t0) / 1000;
  if (sink < 0) throw new Error('unreachable');
  return { sentences, seconds, perSecond: seconds > 0 ? sentences / seconds : 0 };
}
