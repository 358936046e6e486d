import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { diskFacts, memoryLimit } from '../../../../src/daemon/http/runtime-probe.js';

const GiB = 1024 ** 3;

function fakeCgroup(files: Record<string, string>, procLines: string[]): { root: string; proc: string } {
  const dir = mkdtempSync(join(tmpdir(), 's1d-cg-'));
  const root = join(dir, 'cgroup');
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  const proc = join(dir, 'self-cgroup');
  writeFileSync(proc, `${procLines.join('\n')}\n`);
  return { root, proc };
}

t.test('cgroup v2 memory.max (systemd MemoryMax=) is the limit', async (t) => {
  const f = fakeCgroup({ 'system.slice/stratum1d.service/memory.max': '268435456\n' }, ['0::/system.slice/stratum1d.service']);
  t.same(memoryLimit(f.root, f.proc, 8 * GiB), { bytes: 268435456, source: 'cgroup' });
});

t.test('hybrid hierarchy: v2 under unified/, v1 memory controller', async (t) => {
  const a = fakeCgroup({ 'unified/s/memory.max': '1000000\n' }, ['0::/s']);
  t.same(memoryLimit(a.root, a.proc, 8 * GiB), { bytes: 1000000, source: 'cgroup' });
  const b = fakeCgroup({ 'memory/s/memory.limit_in_bytes': '500000000\n' }, ['4:memory:/s', '0::/s']);
  t.same(memoryLimit(b.root, b.proc, 8 * GiB), { bytes: 500000000, source: 'cgroup' });
});

t.test('unlimited or unreadable: the machine RAM', async (t) => {
  const a = fakeCgroup({ 's/memory.max': 'max\n' }, ['0::/s']);
  t.same(memoryLimit(a.root, a.proc, 8 * GiB), { bytes: 8 * GiB, source: 'system' });
  const b = fakeCgroup({ 'memory/s/memory.limit_in_bytes': '9223372036854771712\n' }, ['4:memory:/s']);
  t.same(memoryLimit(b.root, b.proc, 8 * GiB), { bytes: 8 * GiB, source: 'system' }, 'v1 "unlimited" is 2^63 rounded to a page');
  t.same(memoryLimit('/nonexistent', '/nonexistent/cgroup', 8 * GiB), { bytes: 8 * GiB, source: 'system' });
});

t.test('disk facts from statfs, and a clear error for a missing directory', async (t) => {
  const d = await diskFacts(tmpdir());
  t.equal(d.error, undefined);
  if (d.error === undefined) t.ok(d.sizeBytes > 0 && d.availBytes >= 0 && d.availBytes <= d.sizeBytes);
  const missing = await diskFacts('/nonexistent/state');
  t.match(missing, { path: '/nonexistent/state', error: /ENOENT/ });
});
