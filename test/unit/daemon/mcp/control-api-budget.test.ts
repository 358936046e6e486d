import t from 'tap';
import { ControlApi } from '../../../../src/daemon/mcp/control-api.js';

t.test('the stdio bridge keeps at most 4 control connections open however many requests arrive', async (t) => {
  let open = 0;
  let most = 0;
  const pending: Array<() => void> = [];
  const call = ((_path: string, _method: string) => {
    open++;
    most = Math.max(most, open);
    return new Promise((resolve) =>
      pending.push(() => {
        open--;
        resolve({ ok: true, value: { ok: 1 } });
      }),
    );
  }) as never;
  const api = new ControlApi('/nonexistent', call);
  const all = Promise.all(Array.from({ length: 1000 }, () => api.state()));
  await new Promise((r) => setImmediate(r));
  t.equal(open, 4, 'four in flight');
  while (pending.length > 0) {
    pending.shift()!();
    await new Promise((r) => setImmediate(r));
  }
  const results = await all;
  t.equal(results.length, 1000, 'every request answered, in turn');
  t.equal(most, 4);
});
