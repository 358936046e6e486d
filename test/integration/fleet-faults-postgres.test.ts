import t from 'tap';
import { hasPostgres, startPostgres } from '../helpers/postgres-lab.js';
import { faketimeMissing, runFaultScenario } from './fleet-faults-scenario.js';

// Issue 10, "Faults and load", with the collector on a real PostgreSQL: a private cluster
// started by the test as a non-root user (test/helpers/postgres-lab.ts). Durable settings
// (fsync on) so that a kill -9 of the collector meets the database as in production.
t.test('fleet faults, collector on PostgreSQL', { skip: faketimeMissing || (hasPostgres ? false : 'no PostgreSQL binaries'), timeout: 900_000 }, async (t) => {
  const pg = await startPostgres(t, { durable: true });
  await runFaultScenario(t, pg.url);
});
