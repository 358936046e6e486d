import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Outbox } from '../../../../src/daemon/fleet/outbox.js';

/**
 * The outbox's numbering survives a power cut only if every commit is fsynced: WAL with
 * `synchronous = FULL` (see the header of src/daemon/fleet/outbox.ts). `synchronous` is a
 * per-connection setting (this better-sqlite3 build defaults to NORMAL in WAL mode), so a second
 * connection cannot see it: the test reads it on the outbox's own connection, caught as the
 * outbox opens it.
 */

/** Opens an outbox and returns it with the connection it opened (the first one that runs exec). */
function openCapturing(path: string): { box: Outbox; db: Database.Database } {
  const proto = Database.prototype as unknown as { exec: (this: Database.Database, sql: string) => Database.Database };
  const exec = proto.exec;
  let db: Database.Database | undefined;
  proto.exec = function (sql: string) {
    db ??= this;
    return exec.call(this, sql);
  };
  try {
    const box = new Outbox(path, { maxAgeDays: 30, maxBytes: 1 << 20 });
    if (!db) throw new Error('the outbox opened no connection that ran exec');
    return { box, db };
  } finally {
    proto.exec = exec;
  }
}

t.test('the outbox connection runs WAL with synchronous = FULL, also when reopening an existing file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 's1d-outbox-sync-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'fleet-outbox.db');
  for (const when of ['new file', 'reopened']) {
    const { box, db } = openCapturing(path);
    t.equal(db.name, path, `${when}: the captured connection is the outbox's`);
    t.equal(db.pragma('synchronous', { simple: true }), 2, `${when}: synchronous = FULL (2), not NORMAL (1)`);
    t.equal(db.pragma('journal_mode', { simple: true }), 'wal', `${when}: journal_mode = wal`);
    box.append({ kind: 'event', at: Date.now(), body: { type: 'config-changed', message: when } });
    box.close();
  }
});
