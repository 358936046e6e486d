import { existsSync, statSync } from 'node:fs';
import t from 'tap';
import pg from 'pg';
import { hasPostgres, startPostgres } from '../helpers/postgres-lab.js';

/** The private-cluster helper other fleet tests build on: reachable both ways, gone after stop(). */

t.test('a private cluster: TCP and unix socket, trust auth, its database, removed by stop()', { skip: hasPostgres ? false : 'PostgreSQL binaries not installed' }, async (t) => {
  const lab = await startPostgres(t);
  t.not(statSync(lab.dataDir).uid, 0, 'the server does not run as root');
  for (const url of [lab.url, lab.socketUrl]) {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const r = await c.query<{ db: string; u: string }>('SELECT current_database() AS db, current_user AS u');
    t.same(r.rows[0], { db: 'fleet', u: 'postgres' }, url);
    await c.end();
  }
  const other = await lab.createDatabase('second');
  const c = new pg.Client({ connectionString: other });
  await c.connect();
  t.equal((await c.query<{ db: string }>('SELECT current_database() AS db')).rows[0]!.db, 'second', 'more databases on demand');
  await c.end();

  await lab.stop();
  t.notOk(existsSync(lab.socketDir), 'the directory is gone');
  const after = new pg.Client({ connectionString: lab.url, connectionTimeoutMillis: 5000 });
  await t.rejects(after.connect(), 'the server is stopped');
  await lab.stop(); // idempotent, as a teardown after an explicit stop
});
