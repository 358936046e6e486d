/** `node dist/bench/run.js [all|decode|mcp|footprint|fleet] [--rounds N]`; BENCH_ROUNDS, default 5. */

export const PARTS = ['decode', 'mcp', 'footprint', 'fleet'] as const;
export type Part = (typeof PARTS)[number];

export interface Cli {
  part: 'all' | Part;
  rounds: number;
}

export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv): Cli {
  let part: Cli['part'] = 'all';
  let rounds = env.BENCH_ROUNDS === undefined ? 5 : Number(env.BENCH_ROUNDS);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--rounds' || a.startsWith('--rounds=')) {
      rounds = Number(a === '--rounds' ? argv[++i] : a.slice('--rounds='.length));
    } else if (a === 'all' || (PARTS as readonly string[]).includes(a)) {
      part = a as Cli['part'];
    } else {
      throw new Error(`unknown argument ${JSON.stringify(a)}`);
    }
  }
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds (or BENCH_ROUNDS) must be a whole number ≥ 1');
  return { part, rounds };
}

