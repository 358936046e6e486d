import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { withChecksum } from '../../src/lib/nmea-checksum.js';

/**
 * `stratum1d decode` as a real process on a pipe: it must stream. Reports must come out
 * while its standard input is still open (a decoder that read the whole input first could
 * not print anything yet), and its peak RSS must stay under a bound that does not depend on
 * how much was fed to it. No timing is asserted: the writer simply waits for the first report
 * before sending the second half of the input.
 */

const ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const BIN = resolve(ROOT, 'bin', 'stratum1d.js');

const EPOCHS = 60_000; // 4 sentences each: 240k lines, ~17 MB
/** Generous for Node (an idle node is ~40 MiB) and far below what holding the input would take. */
const RSS_BOUND_KIB = 160 * 1024;

function hhmmss(s: number): string {
  const d = s % 86_400;
  return `${String(Math.floor(d / 3600)).padStart(2, '0')}${String(Math.floor(d / 60) % 60).padStart(2, '0')}${String(d % 60).padStart(2, '0')}`;
}

function epoch(i: number): string {
  const day = String(1 + (Math.floor(i / 86_400) % 28)).padStart(2, '0');
  return [
    withChecksum(`GPGGA,${hhmmss(i)}.00,4807.038,N,01131.324,E,1,08,0.9,545.4,M,46.9,M,,`),
    withChecksum('GPGSA,A,3,04,05,09,12,,,,,,,,,2.5,1.3,2.1'),
    withChecksum(`GPGSV,1,1,04,04,40,083,${40 + (i % 9)},05,17,308,41,09,07,344,39,12,22,228,45`),
    withChecksum(`GPRMC,${hhmmss(i)}.00,A,4807.038,N,01131.324,E,0.1,10.0,${day}0324,,,A`),
  ].join('\r\n');
}

function vmHwmKib(pid: number): number {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error('no VmHWM in /proc status');
  return Number(m[1]);
}

t.test('reports flow out while the input is still coming, in bounded memory', async (t) => {
  const child = spawn(process.execPath, [BIN, 'decode'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let tpv = 0;
  let sky = 0;
  let partial = '';
  let err = '';
  let firstOutput: () => void = () => {};
  const sawOutput = new Promise<void>((res) => (firstOutput = res));
  child.stdout.setEncoding('latin1');
  child.stdout.on('data', (s: string) => {
    const lines = (partial + s).split('\n');
    partial = lines.pop()!;
    for (const l of lines) {
      if (l.startsWith('{"class":"TPV"')) tpv++;
      else if (l.startsWith('{"class":"SKY"')) sky++;
    }
    firstOutput();
  });
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));

  const write = async (from: number, to: number): Promise<void> => {
    for (let i = from; i < to; ) {
      const block: string[] = [];
      for (let k = 0; k < 500 && i < to; k++, i++) block.push(epoch(i));
      if (!child.stdin.write(`${block.join('\r\n')}\r\n`)) await new Promise((res) => child.stdin.once('drain', res));
    }
  };

  await write(0, EPOCHS / 2);
  // Holds the second half back until a report arrived: a decoder that waits for the end of
  // its input never answers and the test times out (a failure, not a slow pass).
  await sawOutput;
  const tpvAtHalf = tpv;
  t.ok(tpvAtHalf > 0, `${tpvAtHalf} TPV out before the second half was sent`);
  const hwmAtHalf = vmHwmKib(child.pid!);
  await write(EPOCHS / 2, EPOCHS);
  const hwmAtEnd = vmHwmKib(child.pid!); // still running: stdin is open
  child.stdin.end();
  t.equal(await exited, 0, 'exit status 0');
  t.equal(tpv, EPOCHS, 'one TPV per epoch');
  t.ok(sky >= 9 && sky <= EPOCHS, `${sky} SKY (printed when the view changes)`);
  t.match(err, /^stratum1d decode: 240000 lines, 240000 sentences decoded/);
  t.ok(hwmAtEnd < RSS_BOUND_KIB, `peak RSS ${Math.round(hwmAtEnd / 1024)} MiB after ${EPOCHS * 4} lines (half-way: ${Math.round(hwmAtHalf / 1024)} MiB)`);
});
