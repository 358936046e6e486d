import t from 'tap';
import { PostgresStore } from '../../src/collector/store/postgres-store.js';
import { fleetStoreConformance } from '../helpers/fleet-store-conformance.js';
import { hasPostgres, startPostgres } from '../helpers/postgres-lab.js';

/** The FleetStore conformance suite against a real PostgreSQL cluster, a fresh database per store. */

t.test('PostgresStore conforms to FleetStore', { skip: hasPostgres ? false : 'PostgreSQL binaries not installed (apt-get install postgresql)' }, async (t) => {
  const lab = await startPostgres(t);
  let n = 0;
  fleetStoreConformance(t, async () => PostgresStore.connect(await lab.createDatabase(`conf_${++n}`)));
});
