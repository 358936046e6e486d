import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { faketimeMissing, runFaultScenario } from './fleet-faults-scenario.js';

// Issue 10, "Faults and load", on the embedded SQLite collector (the PostgreSQL run is
// fleet-faults-postgres.test.ts). What is done and checked: see fleet-faults-scenario.ts.
t.test('fleet faults, collector on SQLite', { skip: faketimeMissing, timeout: 900_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 's1d-fleet-faults-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await runFaultScenario(t, join(dir, 'fleet.db'));
});
