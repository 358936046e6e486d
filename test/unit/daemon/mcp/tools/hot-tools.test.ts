import t from 'tap';
import { qualityDown } from '../../../../../src/daemon/mcp/tools/quality.js';
import { timeTools } from '../../../../../src/daemon/mcp/tools/time-tools.js';
import type { ToolContext } from '../../../../../src/daemon/mcp/tools/tool-def.js';
import { ADMIN, downApi, makeDaemonApi, NOW_NS, populatedStore, tempDir } from '../server/fixtures.js';

/**
 * Hot tools (get_time, get_unix_time, get_nanos) skip the per-call output check in callTool:
 * this is where their results are held to their declared output schemas, over the daemon up
 * and down, instants around the epoch and far from it.
 */
const hot = timeTools.filter((x) => x.hot);

t.same(hot.map((x) => x.name).sort(), ['get_nanos', 'get_time', 'get_unix_time'], 'the hot tools');

t.test('hot tool outputs match their schemas', async (t) => {
  const { api, audit } = makeDaemonApi(populatedStore(), `${tempDir(t)}/a.db`);
  t.teardown(() => audit.close());
  const instants = [NOW_NS, 0n, -1n, 1n, 253_402_300_799_999_999_999n, -62_135_596_800_000_000_000n];
  for (const a of [api, downApi])
    for (const ns of instants)
      for (const tool of hot) {
        const ctx: ToolContext = { api: a, caller: ADMIN, nowNs: () => ns };
        const out = await tool.run({}, ctx);
        const r = tool.output.safeParse(out.structured);
        t.ok(r.success, `${tool.name} at ${ns} (${a === downApi ? 'daemon down' : 'daemon up'})${r.success ? '' : `: ${r.error.message}`}`);
      }
});

t.test('get_time takes its quality from api.quality() when the API has one', async (t) => {
  const get = hot.find((x) => x.name === 'get_time')!;
  const q = qualityDown('told by the feed');
  const out = await get.run({}, { api: { ...downApi, quality: async () => q }, caller: ADMIN, nowNs: () => NOW_NS });
  t.same((out.structured as { quality: unknown }).quality, q);
});
