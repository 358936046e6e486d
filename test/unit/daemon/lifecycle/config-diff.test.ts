import t from 'tap';
import { configSchema } from '../../../../src/config/schema.js';
import { changedKeys, planReload, ruleFor, withKeysFrom } from '../../../../src/daemon/lifecycle/config-diff.js';

const base = () => configSchema.parse({});
const key = (name: string, sha: string) => ({ name, role: 'read' as const, sha256: sha.repeat(64) });

t.test('an unchanged configuration plans nothing', async (t) => {
  const plan = planReload(base(), base(), { simulate: false });
  t.same(plan.changed, []);
  t.equal(plan.actions.size, 0);
  t.same(plan.restartNeeded, []);
});

t.test('leaf keys are compared deeply; arrays are one setting', async (t) => {
  const a = base();
  const b = base();
  b.mcp.keys = [key('a', '1')];
  b.alarms.offsetLimitS = a.alarms.offsetLimitS + 1;
  t.same(changedKeys(a, b), ['alarms.offsetLimitS', 'mcp.keys']);
  const c = structuredClone(b);
  t.same(changedKeys(b, c), [], 'a deep copy is unchanged');
  c.mcp.keys = [key('a', '1'), key('b', '2')];
  t.same(changedKeys(b, c), ['mcp.keys']);
});

t.test('each section maps to the service that applies it', async (t) => {
  const a = base();
  const b = base();
  b.log.level = 'debug';
  b.gpsd.port = 3000;
  b.mcp.keys = [key('a', '3')];
  b.holdover.budgetMs = 2;
  b.timekeeper.chrony.sockPath = '/run/x.sock';
  const plan = planReload(a, b, { simulate: false });
  t.same(Object.fromEntries(plan.actions), {
    'log-level': ['log.level'],
    gpsd: ['gpsd.port'],
    mcp: ['mcp.keys'],
    holdover: ['holdover.budgetMs'],
    'timekeeper-feed': ['timekeeper.chrony.sockPath'],
  });
  t.same(plan.restartNeeded, []);
});

t.test('keys that cannot change live are kept and reported, the rest still applies', async (t) => {
  const a = base();
  const b = base();
  b.log.format = 'text';
  b.paths.stateDir = '/elsewhere';
  b.rtc.model = 'ds3231';
  b.timekeeper.kind = 'ntpsec';
  b.alarms.raiseAfterS = a.alarms.raiseAfterS + 1;
  const plan = planReload(a, b, { simulate: false });
  t.same(plan.restartNeeded.map((r) => r.key).sort(), ['log.format', 'paths.stateDir', 'rtc.model', 'timekeeper.kind']);
  t.same([...plan.actions.keys()], ['alarms']);
  const running = withKeysFrom(b, a, plan.restartNeeded.map((r) => r.key));
  t.equal(running.log.format, a.log.format, 'the running value stays');
  t.equal(running.paths.stateDir, undefined, 'an optional key absent before stays absent');
  t.equal(running.alarms.raiseAfterS, b.alarms.raiseAfterS, 'the applied change is in');
  t.same(changedKeys(running, b), plan.restartNeeded.map((r) => r.key).sort(), 'the next reload still sees them pending');
});

t.test('GNSS: port settings reopen the receiver in hardware mode only; trust rules rebuild the pipeline', async (t) => {
  t.same(ruleFor('gnss.device', { simulate: false }), ['gnss-link']);
  t.same(ruleFor('gnss.device', { simulate: true }), ['none']);
  t.same(ruleFor('simulator.rateHz', { simulate: true }), ['gnss-link']);
  t.same(ruleFor('gnss.timeValidAfter', { simulate: false }), ['gnss-pipeline']);
  t.same(ruleFor('log.fixIntervalS', { simulate: false }), ['gnss-log']);
  const a = base();
  const b = base();
  b.gnss.baudRate = 115200;
  b.gnss.timeValidAfter = 5;
  b.log.fixIntervalS = 60;
  const plan = planReload(a, b, { simulate: false });
  t.same(Object.fromEntries(plan.actions), { 'gnss-link': ['gnss.baudRate', 'gnss.timeValidAfter', 'log.fixIntervalS'] }, 'a reopened receiver takes the other GNSS changes with it');
});

t.test('a key no rule names needs a restart rather than being half-applied', async (t) => {
  t.match(ruleFor('newsection.x', { simulate: false }), { restart: /no live reload/ });
  t.same(ruleFor('privileged.timeoutS', { simulate: false }), ['none']);
  t.match(ruleFor('privileged.mode', { simulate: false }), { restart: String });
});
