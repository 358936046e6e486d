import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';

/** The machine a benchmark ran on: figures mean nothing without it. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memGiB: number;
  kernel: string;
  node: string;
}

export function machineInfo(): MachineInfo {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.trim() || 'unknown CPU',
    cores: cpu.length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    kernel: `Linux ${release()}`,
    node: `Node ${process.version}`,
  };
}

export function machineLine(m: MachineInfo = machineInfo()): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, ${m.kernel}, ${m.node}`;
}

/**
 * How busy the machine was at one moment. This machine is shared: a figure taken while other
 * work ran is slower than the code, and the report must let a reader see that.
 */
export interface LoadSample {
  /** Wall time, ms since the epoch. */
  atMs: number;
  /** Load average over 1, 5 and 15 minutes. */
  load: [number, number, number];
  /** Linux PSI `some total` of the CPU in µs (time some runnable task waited for a core); null without PSI. */
  cpuPressureTotalUs: number | null;
}

function cpuPressureTotalUs(): number | null {
  try {
    const m = /^some .*total=(\d+)/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

export function sampleLoad(): LoadSample {
  const [a = NaN, b = NaN, c = NaN] = loadavg();
  return { atMs: Date.now(), load: [a, b, c], cpuPressureTotalUs: cpuPressureTotalUs() };
}
