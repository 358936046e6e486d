/**
 * `node --expose-gc dist/bench/decode-heap-probe.js < log`: runs `stratum1d decode` in this
 * process, JSON to stdout as the CLI does, then two full GCs, and prints on stderr (last line)
 * what the decoder still holds: `{"liveMiB":…,"heapTotalMiB":…,"rssMiB":…}`. The live heap after a
 * full GC is what a streaming decoder retains; peak RSS also counts V8's heap sizing, which
 * grows with a run's length up to V8's own limits whatever the program keeps.
 */
import { main } from '../cli/main.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  process.stderr.write('decode-heap-probe: run with node --expose-gc\n');
  process.exit(2);
}
const code = await main(['decode'], { stdin: process.stdin, stdout: process.stdout, stderr: { write: () => true } as unknown as NodeJS.WritableStream });
gc();
gc();
const m = process.memoryUsage();
const mib = (b: number) => Math.round((b / 2 ** 20) * 100) / 100;
process.stderr.write(`${JSON.stringify({ liveMiB: mib(m.heapUsed), heapTotalMiB: mib(m.heapTotal), rssMiB: mib(m.rss) })}\n`);
process.exitCode = code;
