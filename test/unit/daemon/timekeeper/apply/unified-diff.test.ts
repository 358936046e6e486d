import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { unifiedDiff } from '../../../../../src/daemon/timekeeper/apply/unified-diff.js';

/** GNU diff -u is the oracle for everything after the two header lines. */
function gnuDiff(dir: string, a: string, b: string): string {
  writeFileSync(join(dir, 'a'), a);
  writeFileSync(join(dir, 'b'), b);
  const r = spawnSync('diff', ['-u', join(dir, 'a'), join(dir, 'b')], { encoding: 'utf8' });
  return r.stdout.split('\n').slice(2).join('\n');
}

const lines = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => `${f(i)}\n`).join('');

const pairs: [string, string, string][] = [
  ['one change in the middle', lines(20, (i) => `line ${i}`), lines(20, (i) => (i === 10 ? 'changed' : `line ${i}`))],
  ['changes far apart make two hunks', lines(30, (i) => `l${i}`), lines(30, (i) => (i === 2 || i === 25 ? `x${i}` : `l${i}`))],
  ['changes close together share a hunk', lines(30, (i) => `l${i}`), lines(30, (i) => (i === 10 || i === 15 ? `x${i}` : `l${i}`))],
  ['insertions and deletions', 'a\nb\nc\nd\n', 'a\nc\nd\ne\nf\n'],
  ['everything replaced', 'a\nb\n', 'c\nd\ne\n'],
];

for (const [name, a, b] of pairs) {
  t.test(name, async (t) => {
    const dir = t.testdir({});
    const ours = unifiedDiff(a, b, 'old', 'new');
    t.equal(ours.split('\n').slice(0, 2).join('\n'), '--- old\n+++ new');
    t.equal(ours.split('\n').slice(2).join('\n'), gnuDiff(dir, a, b));
  });
}

t.test('equal texts diff to nothing; a missing file diffs from /dev/null', async (t) => {
  t.equal(unifiedDiff('a\n', 'a\n', 'x', 'y'), '');
  t.equal(unifiedDiff(null, 'a\nb\n', 'x', 'y'), '--- /dev/null\n+++ y\n@@ -0,0 +1,2 @@\n+a\n+b\n');
});
