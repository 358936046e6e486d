import type pg from 'pg';

/**
 * One transaction on a pooled connection: BEGIN, the optional advisory lock (transaction-scoped,
 * so several collectors serialise on it and it is released by COMMIT or ROLLBACK), `fn`, COMMIT.
 * A connection whose ROLLBACK fails is released as broken so the pool discards it.
 */
export async function inTransaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>, advisoryLock?: number): Promise<T> {
  const c = await pool.connect();
  let broken = false;
  try {
    await c.query('BEGIN');
    if (advisoryLock !== undefined) await c.query('SELECT pg_advisory_xact_lock($1)', [advisoryLock]);
    const r = await fn(c);
    await c.query('COMMIT');
    return r;
  } catch (e) {
    await c.query('ROLLBACK').catch(() => (broken = true));
    throw e;
  } finally {
    c.release(broken);
  }
}
