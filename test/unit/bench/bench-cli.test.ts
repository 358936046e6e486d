import t from 'tap';
import { parseCli } from '../../../src/bench/bench-cli.js';

t.test('part and rounds from the command line, BENCH_ROUNDS, default 5', async (t) => {
  t.same(parseCli([], {}), { part: 'all', rounds: 5 });
  t.same(parseCli(['decode'], { BENCH_ROUNDS: '1' }), { part: 'decode', rounds: 1 });
  t.same(parseCli(['mcp', '--rounds', '3'], { BENCH_ROUNDS: '1' }), { part: 'mcp', rounds: 3 }, 'the flag wins over the variable');
  t.same(parseCli(['--rounds=7', 'fleet'], {}), { part: 'fleet', rounds: 7 });
  t.throws(() => parseCli(['decodee'], {}), /unknown argument "decodee"/);
  t.throws(() => parseCli(['--rounds', '0'], {}), /whole number/);
  t.throws(() => parseCli(['--rounds'], {}), /whole number/);
  t.throws(() => parseCli([], { BENCH_ROUNDS: '2.5' }), /whole number/);
});
