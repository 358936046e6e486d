// Prints the gpio-sim `pull` files of GPIO18 on both banks, space-separated: the configfs bank
// labelled pinctrl-rp1 (free: the daemon requests it through the GPIO character device), then
// the DTB bank labelled pinctrl-bcm2711 (held by pps-gpio: the kernel PPS path, /dev/pps1).
import { chipNameOf, dist, pullFile } from './common.mjs';

const { GpioChardev } = await dist('drivers/native/gpio-chardev.js');
const access = new GpioChardev();
const gpio18Of = (label) => {
  const chip = access.listChips().find((c) => access.chipInfo(c).label === label);
  if (!chip) throw new Error(`no GPIO chip labelled ${label}`);
  return pullFile(chipNameOf(chip), 18);
};
console.log(`${gpio18Of('pinctrl-rp1')} ${gpio18Of('pinctrl-bcm2711')}`);
