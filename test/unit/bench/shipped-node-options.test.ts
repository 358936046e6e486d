import t from 'tap';
import { nodeOptionsOfUnit, shippedNodeOptions } from '../../../src/bench/shipped-node-options.js';

t.test('the unit line forms systemd accepts', async (t) => {
  t.equal(nodeOptionsOfUnit('[Service]\nEnvironment=NODE_OPTIONS=--max-semi-space-size=1\n'), '--max-semi-space-size=1');
  t.equal(nodeOptionsOfUnit('Environment="NODE_OPTIONS=--a --b"\n'), '--a --b', 'quoted, with a space');
  t.equal(nodeOptionsOfUnit('Environment=NODE_OPTIONS=--a\nEnvironment=NODE_OPTIONS=--b\n'), '--b', 'the last one wins');
  t.equal(nodeOptionsOfUnit('Environment=STATE_DIRECTORY=/var/lib/x\n# Environment=NODE_OPTIONS=--x\n'), '', 'other variables and comments are not it');
});

t.test('the benches start the daemon with the shipped unit\'s options', async (t) => {
  // The unit keeps the young generation small (see its comment); a bench without it would
  // measure a daemon nobody runs.
  t.match(shippedNodeOptions(), /--max-semi-space-size=\d+/);
});
