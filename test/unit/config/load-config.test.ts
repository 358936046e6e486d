import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../../src/config/load-config.js';

const dir = mkdtempSync(join(tmpdir(), 'stratum1d-config-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
};

t.test('no file gives the documented defaults', async (t) => {
  const c = loadConfig(null, {});
  t.equal(c.gnss.device, '/dev/serial0');
  t.equal(c.gnss.baudRate, 9600);
  t.equal(c.gnss.timeValidAfter, 3);
  t.equal(c.gnss.acceptMissingChecksum, false);
  t.equal(c.log.level, 'info');
});

t.test('a file overrides defaults and keeps the rest', async (t) => {
  const c = loadConfig(file('ok.yaml', 'gnss:\n  device: /dev/ttyUSB0\n  baudRate: 115200\n'), {});
  t.equal(c.gnss.device, '/dev/ttyUSB0');
  t.equal(c.gnss.baudRate, 115200);
  t.equal(c.gnss.reconnect.maxMs, 2000);
});

t.test('an unknown key is rejected with its path and the allowed keys', async (t) => {
  const problems = problemsOf(() => loadConfig(file('typo.yaml', 'gnss:\n  devise: /dev/ttyUSB0\n'), {}));
  t.equal(problems.length, 1);
  t.match(problems[0], /^gnss\.devise: unknown key \(allowed here: device, baudRate/);
});

t.test('an unknown nested key names the full path', async (t) => {
  const problems = problemsOf(() => loadConfig(file('deep.yaml', 'gnss:\n  reconnect:\n    maxMS: 100\n'), {}));
  t.match(problems[0], /^gnss\.reconnect\.maxMS: unknown key/);
});

t.test('a bad value names the key and what is allowed', async (t) => {
  const problems = problemsOf(() => loadConfig(file('bad.yaml', 'gnss:\n  baudRate: 1234\nlog:\n  level: loud\n'), {}));
  t.equal(problems.length, 2);
  t.ok(problems.some((p) => /^gnss\.baudRate: must be one of 4800, 9600/.test(p)), problems.join('\n'));
  t.ok(problems.some((p) => /^log\.level: .*"debug"\|"info"\|"warn"\|"error"/.test(p)), problems.join('\n'));
});

t.test('YAML syntax errors and non-mapping documents are config errors', async (t) => {
  t.match(problemsOf(() => loadConfig(file('syntax.yaml', 'gnss: [\n'), {}))[0], /^YAML:/);
  t.match(problemsOf(() => loadConfig(file('list.yaml', '- a\n- b\n'), {}))[0], /top level must be a mapping/);
  t.match(problemsOf(() => loadConfig(file('dup.yaml', 'log: {}\nlog: {}\n'), {}))[0], /^YAML:/);
  t.match(problemsOf(() => loadConfig(join(dir, 'missing.yaml'), {}))[0], /cannot read/);
});

t.test('an empty file means all defaults', async (t) => {
  t.equal(loadConfig(file('empty.yaml', ''), {}).gnss.baudRate, 9600);
});

t.test('environment overrides win over the file and are typed by the schema', async (t) => {
  const c = loadConfig(file('env.yaml', 'gnss:\n  device: /dev/ttyAMA0\n'), {
    STRATUM1D_GNSS__DEVICE: '/dev/ttyUSB1',
    STRATUM1D_GNSS__BAUD_RATE: '38400',
    STRATUM1D_GNSS__ACCEPT_MISSING_CHECKSUM: 'true',
    STRATUM1D_LOG__LEVEL: 'debug',
    UNRELATED: 'x',
  });
  t.equal(c.gnss.device, '/dev/ttyUSB1');
  t.equal(c.gnss.baudRate, 38400);
  t.equal(c.gnss.acceptMissingChecksum, true);
  t.equal(c.log.level, 'debug');
});

t.test('a string key keeps a numeric-looking value as a string', async (t) => {
  t.equal(loadConfig(null, { STRATUM1D_GNSS__DEVICE: '0123' }).gnss.device, '0123');
});

t.test('an environment override naming no key is an error', async (t) => {
  t.match(problemsOf(() => loadConfig(null, { STRATUM1D_GNSS__SPEED: '9600' }))[0], /^STRATUM1D_GNSS__SPEED: names no configuration key/);
  t.match(problemsOf(() => loadConfig(null, { STRATUM1D_GNSS: 'x' }))[0], /names no configuration key/);
});

t.test('an environment value of the wrong type is reported at its key path', async (t) => {
  t.match(problemsOf(() => loadConfig(null, { STRATUM1D_GNSS__BAUD_RATE: 'fast' }))[0], /^gnss\.baudRate: /);
});

t.test('simulator.rateHz must be a rate the simulator can run, and says which', async (t) => {
  const { configSchema } = await import('../../../src/config/schema.js');
  const bad = configSchema.safeParse({ simulator: { rateHz: 3 } });
  t.notOk(bad.success);
  if (!bad.success) t.match(JSON.stringify(bad.error.issues), /must be 1, 2, 4, 5, 8 or 10/);
  t.ok(configSchema.safeParse({ simulator: { rateHz: 8 } }).success);
});

t.test('a YAML alias bomb is a configuration error naming YAML, not a crash', async (t) => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { loadConfig, ConfigError } = await import('../../../src/config/load-config.js');
  const dir = mkdtempSync(join(tmpdir(), 'bomb-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 10; i++) lines.push(`${'abcdefghij'[i]}: &${'abcdefghij'[i]} [${Array(10).fill(`*${'abcdefghij'[i - 1]}`).join(',')}]`);
  lines.push('log: {level: info}');
  const file = join(dir, 'bomb.yaml');
  writeFileSync(file, `${lines.join('\n')}\n`);
  t.throws(() => loadConfig(file, {}), ConfigError);
  try {
    loadConfig(file, {});
  } catch (err) {
    t.match((err as Error).message, /YAML: .*alias/i);
  }
});
