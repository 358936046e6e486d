/**
 * Edits of the Raspberry Pi firmware's config.txt (https://www.raspberrypi.com/documentation/
 * computers/config_txt.html): one `name=value` per line, `#` comment lines, and conditional
 * filters in brackets (`[pi4]`, `[cm4]`, `[gpio4=1]`, ...) that apply to the lines after them
 * until the next filter; `[all]` resets to "every board". Lines before the first filter apply
 * to every board too. Later settings override earlier ones, so a conflicting line anywhere
 * (even under `[pi4]`) can defeat ours: such lines are commented out, and ours are appended
 * under `[all]`. Pure: text in, text out.
 */
export interface BootWant {
  /** The exact line we want in effect on every board. */
  line: string;
  /** Another line that already gives the same effect on every board (default: the same text). */
  satisfiedBy?: (line: string) => boolean;
  /** Lines that would undo or duplicate ours (they are commented out wherever they are). */
  conflicts: (line: string) => boolean;
}

export interface ConfigTxtEdit {
  text: string;
  added: string[];
  disabled: string[];
}

export const SETUP_MARK = 'stratum1d setup';

/**
 * `openAll`: start our block with `[all]` even when the file itself ends in the all-scope —
 * for a file that is appended to another (Debian's raspi-firmware-custom), whose end we
 * cannot see.
 */
export function ensureConfigTxt(text: string, wants: readonly BootWant[], opts: { openAll?: boolean } = {}): ConfigTxtEdit {
  const lines = splitLines(text);
  const scopes = scopeOf(lines);
  const added: string[] = [];
  const disabled: string[] = [];
  const out = [...lines];
  for (const want of wants) {
    const satisfied = want.satisfiedBy ?? ((l: string) => l === want.line);
    let ok = false;
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!.trim();
      if (l === '' || l.startsWith('#') || l.startsWith('[')) continue;
      if (scopes[i] === 'all' && satisfied(l) && !ok) {
        ok = true; // the first matching line for everyone stays; a second copy is a duplicate
        continue;
      }
      // ...except an identical one, also for everyone: same effect. Debian's raspi-firmware hook
      // writes enable_uart=1 itself and then appends raspi-firmware-custom, which holds ours.
      if (scopes[i] === 'all' && ok && l === want.line) continue;
      if (want.conflicts(l) || satisfied(l)) {
        if (out[i]!.startsWith('#')) continue; // already disabled by an earlier want
        out[i] = `#${lines[i]}  # disabled by ${SETUP_MARK}`;
        disabled.push(lines[i]!);
      }
    }
    if (!ok) added.push(want.line);
  }
  if (added.length > 0) {
    if (out.length > 0 && out[out.length - 1]!.trim() !== '') out.push('');
    if (opts.openAll || (scopes.length > 0 && scopes[scopes.length - 1] !== 'all')) out.push('[all]');
    out.push(`# ${SETUP_MARK}: GNSS serial port, PPS and RTC`, ...added);
  }
  return { text: joinLines(out, text), added, disabled };
}

/** The scope of each line: `all` (every board) or `conditional`. A filter line has the scope it opens. */
function scopeOf(lines: string[]): ('all' | 'conditional')[] {
  let scope: 'all' | 'conditional' = 'all';
  return lines.map((raw) => {
    const l = raw.trim();
    const m = /^\[([^\]]*)\]/.exec(l);
    if (m) scope = m[1]!.trim().toLowerCase() === 'all' ? 'all' : 'conditional';
    return scope;
  });
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function joinLines(lines: string[], original: string): string {
  if (lines.length === 0) return original;
  return `${lines.join('\n')}\n`;
}

/** What `stratum1d setup` wants in config.txt for each flavour. */
export function bootWants(o: { flavour: 'raspios' | 'debian'; ppsGpio: number; rtc: 'ds3231' | 'pcf8523' | null; disableBt: boolean }): BootWant[] {
  const wants: BootWant[] = [{ line: 'enable_uart=1', conflicts: (l) => /^enable_uart=/.test(l) }];
  if (o.flavour === 'raspios') {
    // pps-gpio overlay (overlays/README): `gpiopin` is the BCM GPIO number of the PPS input.
    wants.push({ line: `dtoverlay=pps-gpio,gpiopin=${o.ppsGpio}`, conflicts: (l) => /^dtoverlay=pps-gpio(?:[,:]|$)/.test(l) });
    if (o.rtc) wants.push({ line: `dtoverlay=i2c-rtc,${o.rtc}`, conflicts: (l) => /^dtoverlay=i2c-rtc(?:[,:]|$)/.test(l) });
    if (o.disableBt) {
      // disable-bt hands the PL011 (ttyAMA0) back to GPIO 14/15; miniuart-bt would undo it.
      wants.push({ line: 'dtoverlay=disable-bt', conflicts: (l) => /^dtoverlay=(?:pi3-)?(?:disable-bt|miniuart-bt)(?:[,:]|$)/.test(l) });
    }
  } else if (o.rtc) {
    // No overlays: the daemon talks to the RTC over raw I2C, so the base tree's I2C bus must be on.
    wants.push({
      line: 'dtparam=i2c_arm=on',
      satisfiedBy: (l) => /^dtparam=(?:.*,)?i2c(?:_arm)?=on(?:,|$)/.test(l),
      conflicts: (l) => /^dtparam=(?:.*,)?i2c(?:_arm)?=(?:off|false|no|0)(?:,|$)/.test(l),
    });
  }
  return wants;
}
