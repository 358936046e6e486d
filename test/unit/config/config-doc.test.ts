import t from 'tap';
import { readFileSync } from 'node:fs';
import { renderConfigDoc } from '../../../src/config/config-doc.js';

t.test('every key is documented with its default', async (t) => {
  const doc = renderConfigDoc();
  t.match(doc, /\| `gnss\.baudRate` \| number \| `9600` \| Serial speed/);
  t.match(doc, /\| `log\.level` \| `debug` \\\| `info` \\\| `warn` \\\| `error` \| `"info"` \|/);
  t.match(doc, /### `gnss\.reconnect`/);
});

t.test('the README carries the generated reference unchanged', async (t) => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const m = /<!-- config-doc:start -->\n([\s\S]*?)<!-- config-doc:end -->/.exec(readme);
  t.ok(m, 'README has the config-doc markers');
  t.equal(m?.[1]?.trim(), renderConfigDoc().trim(), 'regenerate with: scripts/update-readme-config.sh');
});
