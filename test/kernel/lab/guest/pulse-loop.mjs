// A PPS for gpio-sim: a rising edge at the top of each second (pull-up), a falling edge 100 ms
// later (pull-down), for N seconds. The kernel stamps each edge while the write runs; under
// TCG the stamp lands a few ms after the second. Usage: pulse-loop.mjs PULL_FILE SECONDS
import { writeFileSync } from 'node:fs';

const [file, seconds] = [process.argv[2], Number(process.argv[3] ?? 60)];
const end = Date.now() + seconds * 1000;
const tick = () => {
  if (Date.now() >= end) return;
  setTimeout(() => {
    writeFileSync(file, 'pull-up');
    setTimeout(() => writeFileSync(file, 'pull-down'), 100);
    tick();
  }, 1000 - (Date.now() % 1000));
};
writeFileSync(file, 'pull-down');
tick();
