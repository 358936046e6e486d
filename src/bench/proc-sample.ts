import { readFileSync } from 'node:fs';

/** CPU seconds (user + system) and resident memory of a process, from /proc. */
export interface ProcSample {
  cpuS: number;
  rssKiB: number;
}

// USER_HZ is 100 on every Linux architecture we ship for (it is fixed in the kernel ABI).
const USER_HZ = 100;

export function sampleProc(pid: number): ProcSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; the fields after it start past the ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = /VmRSS:\s+(\d+) kB/.exec(status);
  return { cpuS: (utime + stime) / USER_HZ, rssKiB: rss ? Number(rss[1]) : NaN };
}
