import { DaemonLifecycle } from './lifecycle/daemon-lifecycle.js';

export interface RunOptions {
  configFile: string | null;
  simulate: boolean;
  env?: NodeJS.ProcessEnv;
}

/**
 * The daemon: start, then SIGHUP → reload and SIGTERM/SIGINT → stop (lifecycle/daemon-lifecycle.ts
 * holds all three). Resolves with the exit code: startup problems are an exit code with nothing
 * left running (78 configuration, 73 a state/runtime directory, 75 a port or another daemon);
 * after startup the daemon degrades and reports instead of exiting.
 */
export async function runDaemon(opts: RunOptions): Promise<number> {
  const life = new DaemonLifecycle({ configFile: opts.configFile, simulate: opts.simulate, env: opts.env ?? process.env });
  // Signals are caught from the first moment: one that arrives while services start is held
  // and acted on once they are up (SIGHUP's default action would kill a starting daemon).
  const early: NodeJS.Signals[] = [];
  const hold = (sig: NodeJS.Signals): void => void early.push(sig);
  const signals = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
  for (const sig of signals) process.on(sig, hold);
  let code: number | null;
  try {
    code = await life.start();
  } finally {
    for (const sig of signals) process.off(sig, hold);
  }
  if (code !== null) return code;

  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (sig: NodeJS.Signals): void => {
      if (stopping) return; // a second SIGTERM while stopping: the stop budget already runs
      if (sig === 'SIGHUP') return void life.reload();
      stopping = true;
      void life.stop(sig).then(() => {
        for (const s of signals) process.off(s, onSignal);
        resolve(0);
      });
    };
    for (const sig of signals) process.on(sig, onSignal);
    for (const sig of early.splice(0)) onSignal(sig);
  });
}
