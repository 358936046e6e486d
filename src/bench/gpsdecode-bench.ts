import { spawnSync } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/**
 * gpsd's own decoder on the same logs, JSON to /dev/null: `gpsdecode -j` reads the raw
 * receiver stream on stdin and prints gpsd's JSON reports. Null when gpsd-tools is absent.
 */
export function benchGpsdecode(files: string[]): { seconds: number } | null {
  if (spawnSync('gpsdecode', ['-V'], { stdio: 'ignore' }).error) return null;
  const devnull = openSync('/dev/null', 'w');
  try {
    const t0 = performance.now();
    for (const f of files) {
      const input = openSync(f, 'r');
      try {
        spawnSync('gpsdecode', ['-j'], { stdio: [input, devnull, 'ignore'] });
      } finally {
        closeSync(input);
      }
    }
    return { seconds: (performance.now() - t0) / 1000 };
  } finally {
    closeSync(devnull);
  }
}
