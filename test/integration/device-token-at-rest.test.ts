import t from 'tap';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { BIN } from '../helpers/daemon-process.js';
import { CollectorProcess, serveArgv } from '../helpers/collector-process.js';

/**
 * `stratum1d collector add-device` prints a device token once; the collector keeps only its
 * hash. The test looks for the token in every byte of the database files (main file, WAL,
 * journal) and in every value of every table, after the CLI and after a serving collector has
 * authenticated it (a lookup must not write it down either).
 */

function cli(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'collector', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Every file of the database (fleet.db, fleet.db-wal, fleet.db-shm, fleet.db-journal), concatenated. */
function databaseBytes(dir: string): { files: string[]; bytes: Buffer } {
  const files = readdirSync(dir).filter((f) => f.startsWith('fleet.db'));
  return { files, bytes: Buffer.concat(files.map((f) => readFileSync(join(dir, f)))) };
}

/** Every text or blob value in every table, as strings. */
function allValues(path: string): string[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((r) => r.name);
    return tables.flatMap((name) =>
      (db.prepare(`SELECT * FROM "${name}"`).all() as Array<Record<string, unknown>>).flatMap((row) =>
        Object.values(row).flatMap((v) => (typeof v === 'string' ? [v] : Buffer.isBuffer(v) ? [v.toString('latin1'), v.toString('hex')] : [])),
      ),
    );
  } finally {
    db.close();
  }
}

async function post(url: string, token: string): Promise<number> {
  const r = await fetch(`${url}/api/v1/ingest`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
  await r.arrayBuffer();
  return r.status;
}

t.test('a device token is stored only as a hash: not in the database bytes, not in any table', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 's1d-token-rest-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const dbPath = join(dir, 'fleet.db');
  const added = cli(['add-device', 'pi-rest', '--db', dbPath]);
  t.equal(added.code, 0, added.stderr);
  const token = added.stdout.trim();
  t.match(token, /^s1d_[A-Za-z0-9_-]{43}$/);
  const secret = token.slice('s1d_'.length);
  const raw = Buffer.from(secret, 'base64url');
  t.equal(raw.length, 32);

  const check = (when: string): void => {
    const { files, bytes } = databaseBytes(dir);
    t.ok(files.includes('fleet.db') && bytes.length > 0, `${when}: database files read (${files.join(', ')})`);
    for (const [what, needle] of [
      ['the token', Buffer.from(token)],
      ['its random part', Buffer.from(secret)],
      ['its 32 raw bytes', raw],
      ['its raw bytes in hex', Buffer.from(raw.toString('hex'))],
    ] as const) {
      t.equal(bytes.indexOf(needle), -1, `${when}: ${what} is not in the database files`);
    }
    const values = allValues(dbPath);
    t.notOk(values.some((v) => v.includes(secret) || v.includes(raw.toString('hex'))), `${when}: no table value holds the token`);
    t.ok(values.includes(createHash('sha256').update(token).digest('hex')), `${when}: its SHA-256 is what the collector keeps`);
  };
  check('after add-device');

  // The stored hash is a working credential: the token authenticates (400: the body is not a
  // batch) where an unknown token does not (401).
  const serve = new CollectorProcess(serveArgv(['--db', dbPath, '--listen', '127.0.0.1:0']));
  t.teardown(() => serve.stop());
  const url = await serve.url;
  t.equal(await post(url, token), 400, 'the printed token is accepted');
  t.equal(await post(url, `s1d_${'A'.repeat(43)}`), 401, 'an unknown token is refused');
  t.equal(await serve.stop(), 0, 'serve stops cleanly');
  check('after serving');
  t.notOk(serve.lines.some((l) => l.includes(secret)), 'the collector never logs the token');
});
