import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { findKernelPps, SYSFS_PPS_ROOT } from '../../../drivers/pps/sysfs-pps.js';
import type { KernelPpsFact } from '../render/render-types.js';

/** The udev name systemd/stratum1d-udev.rules gives a source whose parent is bound to pps-gpio. */
export const STABLE_PPS_GPIO_NAME = 'pps-gpio';

export interface KernelPpsFactOptions {
  /** `pps.kernel.device`: what the monitor follows. */
  want: string;
  /** `pps.kernel.sysfsRoot`. */
  sysfsRoot?: string;
  /** Where device nodes live; tests point it at a directory of their own. */
  devDir?: string;
}

/**
 * Resolves the kernel PPS source with the monitor's own finder (SysfsPpsSource uses the same
 * `findKernelPps`), so the rendered refclock and the monitored source cannot be chosen by two
 * different rules. The stable udev name is used only when it really points at that source.
 */
export function kernelPpsFact(o: KernelPpsFactOptions): KernelPpsFact {
  const devDir = o.devDir ?? '/dev';
  const r = findKernelPps(o.want, o.sysfsRoot ?? SYSFS_PPS_ROOT);
  if (!r.ok) return { want: o.want, found: null, reason: r.reason, stableName: null };
  const d = r.device;
  const node = join(devDir, d.id);
  const alias = join(devDir, STABLE_PPS_GPIO_NAME);
  let stableName: string | null = null;
  try {
    if (realpathSync(alias) === realpathSync(node)) stableName = alias;
  } catch {
    stableName = null; // no udev name (or no node yet): the number is all there is
  }
  return { want: o.want, found: { id: d.id, device: node, name: d.name, driver: d.driver }, reason: null, stableName };
}
