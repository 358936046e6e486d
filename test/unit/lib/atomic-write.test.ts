import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { writeFileAtomic } from '../../../src/lib/atomic-write.js';

t.test('replaces the file whole and leaves no temp file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'state.json');
  writeFileSync(path, 'old contents that are longer than the new');
  await writeFileAtomic(path, '{"new":true}\n', { mode: 0o600 });
  t.equal(readFileSync(path, 'utf8'), '{"new":true}\n');
  t.equal(statSync(path).mode & 0o777, 0o600);
  t.same(readdirSync(dir), ['state.json']);
  await Promise.all([writeFileAtomic(path, 'a'), writeFileAtomic(path, 'b')]);
  t.ok(['a', 'b'].includes(readFileSync(path, 'utf8')), 'concurrent writers: one whole file wins');
  t.same(readdirSync(dir), ['state.json']);
});

t.test('a failed write leaves the old file and no temp file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'state.json');
  writeFileSync(path, 'old');
  // A directory in the way of the rename makes it fail after the temp file was written.
  await t.rejects(writeFileAtomic(join(dir, 'missing-dir', 'x.json'), 'data'), { code: 'ENOENT' });
  const blocker = join(dir, 'blocker');
  (await import('node:fs')).mkdirSync(join(blocker, 'inner'), { recursive: true });
  await t.rejects(writeFileAtomic(blocker, 'data'));
  t.same(readdirSync(dir).sort(), ['blocker', 'state.json']);
  t.equal(readFileSync(path, 'utf8'), 'old');
});
