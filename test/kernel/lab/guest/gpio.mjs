// GPIO v2 character device against gpio-sim: chip labels, line names, the line finder, real
// edges from pull-up/pull-down writes with their kernel timestamps, and a sequence gap from
// an overflowing kernel event queue. Writes gpio.json; the host asserts on it.
import { chipNameOf, dist, pulse, pullFile, record, sleep } from './common.mjs';

const { GpioChardev } = await dist('drivers/native/gpio-chardev.js');
const { findGpioLine } = await dist('drivers/pps/gpio-line-finder.js');
const { GpioPpsSource } = await dist('drivers/pps/gpio-pps-source.js');

await record('gpio', async () => {
  const access = new GpioChardev();
  const chips = access.listChips().map((chip) => ({ chip, ...access.chipInfo(chip) }));
  const rp1 = chips.find((c) => c.label === 'pinctrl-rp1');
  const names = rp1 ? [0, 17, 18, 53].map((o) => access.lineInfo(rp1.chip, o).name) : [];
  const found = findGpioLine(access, { lineName: 'GPIO18', chipLabels: ['pinctrl-rp1', 'pinctrl-bcm2711'] });
  const held = findGpioLine(access, { lineName: 'GPIO18', chipLabels: ['pinctrl-bcm2711'] });
  const missing = findGpioLine(access, { lineName: 'GPIO99', chipLabels: ['pinctrl-rp1'] });
  const noChip = findGpioLine(access, { lineName: 'GPIO18', chipLabels: ['pinctrl-bcm2835'] });

  // Edges: five rising edges, each noted with the wall clock around the write.
  const pull = pullFile(chipNameOf(rp1.chip), 18);
  const src = new GpioPpsSource({ access, lineName: 'GPIO18', chipLabels: ['pinctrl-rp1'], pollIntervalMs: 20 });
  const edges = [];
  src.on('edge', (e) => edges.push(e));
  await src.open();
  const consumer = access.lineInfo(rp1.chip, 18).consumer;
  const writes = [];
  for (let i = 0; i < 5; i++) {
    writes.push(pulse(pull, 'pull-up'));
    await sleep(120);
    pulse(pull, 'pull-down');
    await sleep(120);
  }
  await sleep(100);
  const counters = { ...src.counters };
  await src.close();

  // A queue of 2 events and nobody reading while 6 edges arrive: the kernel drops the oldest
  // and line_seqno shows the gap.
  const slow = new GpioPpsSource({ access, lineName: 'GPIO18', chipLabels: ['pinctrl-rp1'], pollIntervalMs: 3_600_000, eventBufferSize: 2 });
  const gapEdges = [];
  slow.on('edge', (e) => gapEdges.push(e));
  await slow.open();
  for (let i = 0; i < 6; i++) {
    pulse(pull, 'pull-up');
    await sleep(30);
    pulse(pull, 'pull-down');
    await sleep(30);
  }
  await sleep(50);
  slow.drain();
  await slow.close();

  return {
    chips: chips.map((c) => ({ chip: c.chip, label: c.label, lines: c.lines })),
    names,
    found,
    held,
    missing,
    noChip,
    path: src.path,
    consumer,
    edges,
    writes,
    counters,
    gapSeqs: gapEdges.map((e) => e.seq),
  };
});
