// Kernel PPS: pps-ktimer (pps0) next to pps-gpio (pps1, on the DTB bank's GPIO18). `auto`
// must find pps1 by name; the monitor must see the edges we make and not ktimer's; the chrony
// include rendered with the default configuration must name the same device. Writes pps.json.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { chipNameOf, dist, pulse, pullFile, record, sleep, WORK } from './common.mjs';

const { listKernelPps, findKernelPps } = await dist('drivers/pps/sysfs-pps.js');
const { SysfsPpsSource } = await dist('drivers/pps/sysfs-pps-source.js');
const { GpioChardev } = await dist('drivers/native/gpio-chardev.js');

await record('pps', async () => {
  const sources = listKernelPps().map((d) => ({ id: d.id, name: d.name, path: d.path, driver: d.driver, gpio: d.gpio }));
  const auto = findKernelPps('auto');
  const access = new GpioChardev();
  const bcm = access.listChips().find((c) => access.chipInfo(c).label === 'pinctrl-bcm2711');
  const pull = pullFile(chipNameOf(bcm), 18);

  const mon = new SysfsPpsSource({ pollIntervalMs: 20 });
  const edges = [];
  mon.on('edge', (e) => edges.push(e));
  await mon.open();
  const monitored = mon.device?.device ?? null;
  const writes = [];
  for (let i = 0; i < 4; i++) {
    writes.push(pulse(pull, 'pull-up'));
    await sleep(150);
    pulse(pull, 'pull-down');
    await sleep(350); // ktimer asserts once a second meanwhile, on pps0
  }
  await sleep(100);
  await mon.close();

  // The CLI as an operator runs it, with the default configuration (kernel PPS, device auto).
  const cfg = `${WORK}/pps-render.yaml`;
  writeFileSync(cfg, 'timekeeper:\n  kind: chrony\n');
  let render = '';
  let renderErr = '';
  try {
    render = execFileSync('node', ['bin/stratum1d.js', 'config', 'render', '--chrony', '--config', cfg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    render = err.stdout ?? '';
    renderErr = `${err.message}\n${err.stderr ?? ''}`;
  }
  return { sources, auto, monitored, edges, writes, render, renderErr };
});
