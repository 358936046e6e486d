// A PPS for gpio-sim: a rising edge at the top of each second (pull-up), a falling edge 100 ms
// later (pull-down), for N seconds, on every line given (one timer drives them all, so two
// daemons see the same pulse). The kernel stamps each edge while the write runs; under TCG the
// stamp lands a few ms after the second. Usage: pulse-loop.mjs SECONDS PULL_FILE...
import { writeFileSync } from 'node:fs';

const seconds = Number(process.argv[2] ?? 60);
const files = process.argv.slice(3);
if (files.length === 0) throw new Error('usage: pulse-loop.mjs SECONDS PULL_FILE...');
const end = Date.now() + seconds * 1000;
const all = (level) => files.forEach((f) => writeFileSync(f, level));
const tick = () => {
  if (Date.now() >= end) return;
  setTimeout(() => {
    all('pull-up');
    setTimeout(() => all('pull-down'), 100);
    tick();
  }, 1000 - (Date.now() % 1000));
};
all('pull-down');
tick();
