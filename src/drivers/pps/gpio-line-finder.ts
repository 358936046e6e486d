import type { GpioChipAccess } from '../native/gpio-chardev.js';
import { GPIO_V2_LINE_FLAG } from '../native/gpio-uapi.js';

/**
 * Chip labels of the Raspberry Pi's header GPIO controller, most likely first: BCM2835/6/7
 * (Pi 1–3, Zero), BCM2711 (Pi 4, 400, CM4), RP1 (Pi 5). Chip numbers are not stable (Pi 5
 * kernels before 6.6.y put RP1 at gpiochip4, later ones at gpiochip0), labels are.
 */
export const RASPBERRY_PI_GPIO_LABELS = ['pinctrl-rp1', 'pinctrl-bcm2711', 'pinctrl-bcm2835'] as const;

export interface GpioLineQuery {
  /** Line name from the device tree's gpio-line-names, e.g. "GPIO18". */
  lineName: string;
  /** Chip labels to search, in preference order; empty: every chip. */
  chipLabels: readonly string[];
}

export interface FoundLine {
  chip: string;
  label: string;
  offset: number;
  name: string;
}

export type LineSearch = { ok: true; line: FoundLine } | { ok: false; reason: string };

/**
 * Finds the line by chip label and line name, never by number. A line that is already held
 * (by `pps-gpio`, say) is reported with its consumer: then the kernel PPS path is the one
 * to use, and requesting would fail with EBUSY anyway.
 */
export function findGpioLine(access: GpioChipAccess, q: GpioLineQuery): LineSearch {
  const chips = access.listChips();
  if (chips.length === 0) return { ok: false, reason: 'no GPIO character devices (/dev/gpiochip*)' };
  const infos: Array<{ chip: string; label: string; lines: number }> = [];
  const unreadable: string[] = [];
  for (const chip of chips) {
    try {
      const info = access.chipInfo(chip);
      infos.push({ chip, label: info.label, lines: info.lines });
    } catch (err) {
      unreadable.push(`${chip}: ${(err as Error).message}`);
    }
  }
  const rank = (label: string): number => (q.chipLabels.length === 0 ? 0 : q.chipLabels.indexOf(label));
  const candidates = infos.filter((c) => rank(c.label) >= 0).sort((a, b) => rank(a.label) - rank(b.label));
  if (candidates.length === 0) {
    const seen = infos.map((c) => `${c.chip} "${c.label}"`).join(', ') || 'none readable';
    return { ok: false, reason: `no GPIO chip labelled ${q.chipLabels.join(' | ')} (found: ${seen}${unreadable.length ? `; ${unreadable.join('; ')}` : ''})` };
  }
  for (const c of candidates) {
    for (let offset = 0; offset < c.lines; offset++) {
      const line = access.lineInfo(c.chip, offset);
      if (line.name !== q.lineName) continue;
      if (line.flags & GPIO_V2_LINE_FLAG.USED) {
        const who = line.consumer || 'the kernel';
        return { ok: false, reason: `${q.lineName} on ${c.chip} ("${c.label}") is in use by ${who}${line.consumer === 'pps-gpio' || line.consumer.startsWith('pps') ? ': use the kernel PPS source' : ''}` };
      }
      return { ok: true, line: { chip: c.chip, label: c.label, offset, name: line.name } };
    }
  }
  return { ok: false, reason: `no line named ${q.lineName} on ${candidates.map((c) => `${c.chip} ("${c.label}")`).join(', ')}` };
}
