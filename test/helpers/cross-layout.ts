import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CLayout, CLayoutRequest } from './c-layout.js';

/**
 * What a *cross* compiler says about sizeof/offsetof/constants for another ABI (armhf with a
 * 32- or 64-bit time_t, arm64), without running anything for that ABI: every number becomes
 * the size of a global array in an object file (`char v_N[value + 1]`, compiled with `-c`
 * and `-fno-common` so each lands in .bss with its size), and `nm -S` reads the sizes back.
 * Debian's cross compilers come from crossbuild-essential-armhf/-arm64 (.ci/run installs them).
 */
export interface CrossTarget {
  name: string;
  cc: string;
  flags: string[];
  /** Node's process.arch for this ABI, to pick our own tables. */
  arch: 'arm' | 'arm64';
}

export const CROSS_TARGETS: CrossTarget[] = [
  { name: 'armhf, 32-bit time_t (Debian 12 and older)', cc: 'arm-linux-gnueabihf-gcc', flags: [], arch: 'arm' },
  { name: 'armhf, 64-bit time_t (Debian 13 trixie)', cc: 'arm-linux-gnueabihf-gcc', flags: ['-D_TIME_BITS=64', '-D_FILE_OFFSET_BITS=64'], arch: 'arm' },
  { name: 'arm64', cc: 'aarch64-linux-gnu-gcc', flags: [], arch: 'arm64' },
];

export function hasCompiler(cc: string): boolean {
  return spawnSync(cc, ['--version'], { stdio: 'ignore' }).status === 0;
}

export function crossLayout(target: CrossTarget, req: CLayoutRequest): CLayout {
  const lines: string[] = [];
  for (const d of req.defines ?? []) lines.push(`#define ${d}`);
  for (const h of ['stddef.h', ...req.headers]) lines.push(`#include <${h}>`);
  if (req.prelude) lines.push(req.prelude);
  const names = new Map<string, string>();
  let n = 0;
  const emit = (key: string, expr: string): void => {
    const sym = `v_${n++}`;
    names.set(key, sym);
    lines.push(`char ${sym}[(${expr}) + 1];`);
  };
  for (const t of req.sizes ?? []) emit(`size:${t}`, `sizeof(${t})`);
  for (const [t, m] of req.offsets ?? []) emit(`offset:${t}.${m}`, `offsetof(${t}, ${m})`);
  for (const c of req.constants ?? []) emit(`const:${c}`, `(long)(${c})`);

  const dir = mkdtempSync(join(tmpdir(), 'cross-layout-'));
  try {
    const src = join(dir, 'layout.c');
    const obj = join(dir, 'layout.o');
    writeFileSync(src, lines.join('\n') + '\n');
    try {
      execFileSync(target.cc, ['-std=gnu11', '-fno-common', '-c', ...target.flags, '-o', obj, src], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
      throw new Error(`cross-layout (${target.name}): compiling failed:\n${stderr}\n--- source ---\n${lines.join('\n')}`);
    }
    // The target's own nm when there is one (arm-linux-gnueabihf-nm); the host's reads any ELF too.
    const crossNm = target.cc.endsWith('-gcc') ? target.cc.replace(/gcc$/, 'nm') : null;
    const nm = crossNm !== null && hasCompiler(crossNm) ? crossNm : 'nm';
    const out = execFileSync(nm, ['-S', '--defined-only', obj], { encoding: 'utf8' });
    const sizes = new Map<string, number>();
    for (const line of out.split('\n')) {
      const f = line.trim().split(/\s+/); // address size type name
      if (f.length === 4) sizes.set(f[3]!, Number.parseInt(f[1]!, 16) - 1);
    }
    const get = (key: string): number => {
      const sym = names.get(key);
      const v = sym === undefined ? undefined : sizes.get(sym);
      if (v === undefined) throw new Error(`cross-layout: ${key} missing from the object's symbols`);
      return v;
    };
    return {
      sizeof: (t) => get(`size:${t}`),
      offsetof: (t, m) => get(`offset:${t}.${m}`),
      constant: (c) => get(`const:${c}`),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
