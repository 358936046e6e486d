import { cpus, release, totalmem } from 'node:os';

/** The machine a benchmark ran on, for the results table: figures mean nothing without it. */
export function machineLine(): string {
  const cpu = cpus();
  return `${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${cpu.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}, Node ${process.version}`;
}
