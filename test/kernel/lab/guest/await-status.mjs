// Asks a daemon for `stratum1d status --json` (the operator's command) every few seconds until
// the named condition holds or the deadline passes (then, for some, once more a little later),
// and leaves the last answer in OUT (and its stderr in OUT.err): the host judges it either way,
// so a condition never met fails there with the state in hand.
// Usage: await-status.mjs CONFIG OUT CONDITION TIMEOUT_S
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { sleep } from './common.mjs';

const conditions = {
  // chronyd's selection has reached the daemon and it wrote the RTC; the answer kept is one a
  // routine reading later (rtc.readIntervalS 5, a write waits for the next second), so that it
  // shows the chip after the write.
  settled: {
    holds: (s) => s.timekeeper.sources.some((x) => x.name === 'PPS' && x.state === 'selected') && s.rtc.lastWrite !== null,
    thenMs: 7000,
  },
  'pps-device-mismatch': { holds: (s) => s.alarms.active.some((a) => a.id === 'pps-device-mismatch'), thenMs: 0 },
};

const [config, out, name, timeoutS] = process.argv.slice(2);
const condition = conditions[name];
if (!condition) throw new Error(`unknown condition ${name}`);
const deadline = Date.now() + Number(timeoutS) * 1000;

function ask() {
  let text = '';
  let err = '';
  try {
    text = execFileSync('node', ['bin/stratum1d.js', 'status', '--json', '--config', config], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    text = e.stdout ?? '';
    err = `${e.message}\n${e.stderr ?? ''}`;
  }
  writeFileSync(out, text);
  writeFileSync(`${out}.err`, err);
  try {
    return condition.holds(JSON.parse(text).state);
  } catch {
    return false;
  }
}

for (;;) {
  const met = ask();
  if (met || Date.now() >= deadline) {
    console.log(`${name}: ${met ? 'met' : 'NOT met'} (${out})`);
    if (met && condition.thenMs > 0) {
      await sleep(condition.thenMs);
      ask();
    }
    break;
  }
  await sleep(3000);
}
