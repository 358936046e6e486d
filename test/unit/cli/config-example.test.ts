import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parse } from 'yaml';
import { cliIo } from '../../helpers/cli-io.js';
import { runConfigExample } from '../../../src/cli/config-example.js';
import { UsageError } from '../../../src/cli/flags.js';
import { loadConfig, validateConfig } from '../../../src/config/load-config.js';
import { schemaTree, type SchemaNode } from '../../../src/config/schema-walk.js';

function example(): string {
  const x = cliIo();
  t.equal(runConfigExample([], x), 0);
  return x.out();
}

function leaves(node: SchemaNode): SchemaNode[] {
  return node.kind === 'section' ? (node.children ?? []).flatMap(leaves) : [node];
}

/** Drops the null left by a section whose keys all stay commented (no default to show). */
function dropNulls(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([, x]) => x !== null)
      .map(([k, x]) => [k, dropNulls(x)]),
  );
}

t.test('as printed, the example is a valid config that means "all defaults"', async (t) => {
  const dir = t.testdir({});
  const file = join(dir, 'config.yaml');
  writeFileSync(file, example());
  t.same(loadConfig(file, {}), loadConfig(null, {}));
  t.notOk(
    example()
      .split('\n')
      .some((l) => l !== '' && !l.startsWith('#')),
    'every line is a comment',
  );
});

t.test('uncommenting every key gives exactly the defaults', async (t) => {
  const uncommented = example()
    .split('\n')
    .map((l) => l.replace(/^#/, ''))
    .join('\n');
  const raw = dropNulls(parse(uncommented));
  t.same(validateConfig(raw), validateConfig({}), 'each shown value is the key\'s default');
});

t.test('every key of the schema is there, with its doc', async (t) => {
  const text = example();
  for (const leaf of leaves(schemaTree)) {
    const key = leaf.path[leaf.path.length - 1]!;
    const indent = '  '.repeat(leaf.path.length - 1);
    const line = leaf.defaultValue === undefined ? `#${indent}# ${key}: (not set by default)` : `#${indent}${key}: `;
    t.ok(text.includes(line), `${leaf.path.join('.')} is listed`);
    const firstWords = leaf.description.split(/\s+/).slice(0, 3).join(' ');
    t.ok(text.includes(firstWords), `${leaf.path.join('.')} has its description`);
  }
  t.match(text, /#  level: info\n/);
  t.match(text, /One of: debug, info, warn, error\./, 'enums list their options');
  t.match(text, /#    chipLabels: \["pinctrl-rp1","pinctrl-bcm2711","pinctrl-bcm2835"\]/, 'lists as flow sequences');
  t.ok(text.split('\n').every((l) => l.length <= 110), 'descriptions are wrapped');
});

t.test('usage', async (t) => {
  const x = cliIo();
  t.equal(runConfigExample(['--help'], x), 0);
  t.match(x.out(), /usage: stratum1d config example/);
  let err: unknown;
  try {
    runConfigExample(['extra'], cliIo());
  } catch (e) {
    err = e;
  }
  t.ok(err instanceof UsageError, String(err));
});
