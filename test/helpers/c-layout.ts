import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Asks the C compiler what the system headers say: sizeof, offsetof and integer
 * constants, so a test can hold the numbers our TypeScript encoders use against the
 * real ABI of the machine it runs on (x64 in CI, arm64/armhf on a Pi). Reusable for
 * `struct sock_sample`, SysV SHM and GPIO ioctl structs.
 *
 *   const c = cLayout({ headers: ['sys/socket.h'], sizes: ['struct msghdr'],
 *                       offsets: [['struct msghdr', 'msg_flags']], constants: ['MSG_DONTWAIT'] });
 *   c.sizeof('struct msghdr'); c.offsetof('struct msghdr', 'msg_flags'); c.constant('MSG_DONTWAIT');
 */
export interface CLayoutRequest {
  headers: string[];
  /** Feature macros defined before any include, e.g. `_GNU_SOURCE` for `struct ucred`. */
  defines?: string[];
  /** Extra C before main(): struct definitions copied from a spec, typedefs. */
  prelude?: string;
  sizes?: string[];
  offsets?: Array<readonly [type: string, member: string]>;
  /** Integer constant expressions: macro names or things like `CMSG_SPACE(sizeof(struct ucred))`. */
  constants?: string[];
}

export interface CLayout {
  sizeof(type: string): number;
  offsetof(type: string, member: string): number;
  constant(expression: string): number;
}

/** The compiler to use: $CC, else `cc`. Throws with a hint when there is none. */
export function cCompiler(): string {
  const cc = process.env.CC ?? 'cc';
  try {
    execFileSync(cc, ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error(`c-layout: no C compiler (${cc}); install gcc (Debian: build-essential) or set CC`);
  }
  return cc;
}

const quote = (s: string): string => JSON.stringify(s);

export function cLayout(req: CLayoutRequest): CLayout {
  const lines: string[] = [];
  for (const d of req.defines ?? []) lines.push(`#define ${d}`);
  for (const h of ['stddef.h', 'stdio.h', ...req.headers]) lines.push(`#include <${h}>`);
  if (req.prelude) lines.push(req.prelude);
  lines.push('int main(void) {');
  for (const t of req.sizes ?? []) lines.push(`  printf("size\\t%s\\t%zu\\n", ${quote(t)}, sizeof(${t}));`);
  for (const [t, m] of req.offsets ?? []) {
    lines.push(`  printf("offset\\t%s\\t%zu\\n", ${quote(`${t}.${m}`)}, offsetof(${t}, ${m}));`);
  }
  for (const c of req.constants ?? []) {
    lines.push(`  printf("const\\t%s\\t%lld\\n", ${quote(c)}, (long long)(${c}));`);
  }
  lines.push('  return 0;', '}');

  const cc = cCompiler();
  const dir = mkdtempSync(join(tmpdir(), 'c-layout-'));
  try {
    const src = join(dir, 'layout.c');
    const exe = join(dir, 'layout');
    writeFileSync(src, lines.join('\n') + '\n');
    try {
      execFileSync(cc, ['-std=gnu11', '-o', exe, src], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
      throw new Error(`c-layout: compiling failed:\n${stderr}\n--- source ---\n${lines.join('\n')}`);
    }
    return parse(execFileSync(exe, { encoding: 'utf8' }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function parse(output: string): CLayout {
  const values = new Map<string, number>();
  for (const line of output.split('\n')) {
    const [kind, name, value] = line.split('\t');
    if (kind && name !== undefined && value !== undefined) values.set(`${kind}:${name}`, Number(value));
  }
  const get = (key: string): number => {
    const v = values.get(key);
    if (v === undefined) throw new Error(`c-layout: ${key} was not requested`);
    return v;
  };
  return {
    sizeof: (type) => get(`size:${type}`),
    offsetof: (type, member) => get(`offset:${type}.${member}`),
    constant: (expression) => get(`const:${expression}`),
  };
}
