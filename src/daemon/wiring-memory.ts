import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Logger } from './logger.js';

/** What we wait on: GnssService fits as it is. */
export interface EpochSource {
  once(event: 'fix', listener: () => void): unknown;
  off(event: 'fix', listener: () => void): unknown;
}

/** After READY: long enough for the first epochs, the first status poll and the first alarms. */
const SETTLE_AFTER_MS = 5000;
/** After an epoch was handled, so the collection runs in the quiet part of the second. */
const AFTER_EPOCH_MS = 150;
/** With no receiver there are no epochs: collect anyway after this. */
const NO_EPOCH_MS = 2000;

/**
 * One full garbage collection once the daemon has started, then never again.
 *
 * Starting allocates several MiB that do not outlive startup (parsing and linking ~280
 * modules, validating the configuration): V8 grows its young generation to 2 × 16 MiB for
 * them, and on a quiet daemon (1 Hz, a few kB per epoch) no collection comes along for
 * minutes to shrink it again, so ~10 MiB of RSS stays committed for nothing. One collection,
 * asynchronous (incremental marking, no long pause) and placed just after an epoch, returns
 * it. This is what the daemon does for everyone (`run` on a Pi as in the bench); it changes
 * nothing V8 would not do itself under memory pressure, only earlier.
 */
export function settleHeapAfterStartup(source: EpochSource, log: Logger): { cancel(): void } {
  let timer: NodeJS.Timeout | null = null;
  let cancelled = false;
  const onFix = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(collect, AFTER_EPOCH_MS);
    timer.unref();
  };
  const collect = (): void => {
    timer = null;
    source.off('fix', onFix);
    if (cancelled) return;
    const before = process.memoryUsage.rss();
    try {
      collectGarbage();
    } catch (err) {
      log.debug('post-startup collection unavailable', { error: (err as Error).message });
      return;
    }
    // Asynchronous: RSS is read again a little later, for the log line only.
    setTimeout(() => log.debug('post-startup collection done', { rssBeforeMiB: mib(before), rssAfterMiB: mib(process.memoryUsage.rss()) }), 1000).unref();
  };
  timer = setTimeout(() => {
    source.once('fix', onFix);
    timer = setTimeout(collect, NO_EPOCH_MS);
    timer.unref();
  }, SETTLE_AFTER_MS);
  timer.unref();
  return {
    cancel() {
      cancelled = true;
      if (timer) clearTimeout(timer);
      source.off('fix', onFix);
    },
  };
}

const mib = (b: number) => Math.round((b / 1048576) * 10) / 10;

let gcFn: ((o?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async' }) => unknown) | null = null;

/** V8's gc(), reached without --expose-gc on the command line (the flag only adds the function). */
function collectGarbage(): void {
  if (!gcFn) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as typeof gcFn;
    v8.setFlagsFromString('--no-expose-gc');
  }
  gcFn!({ type: 'major', execution: 'async' });
}
