/**
 * The kernel command line in cmdline.txt is a single line (the firmware reads only the first).
 * A `console=` on the GNSS UART makes the kernel (and the getty systemd starts for each
 * console) write to, and read from, the receiver's port. We remove the serial ones: serial0/1
 * (the firmware's aliases), ttyAMA0 (PL011) and ttyS0/ttyS1 (mini UART; Debian's names),
 * and keep every other token and console (tty1, Pi 5's debug UART ttyAMA10).
 */
const SERIAL_CONSOLE = /^console=(?:serial\d|ttyAMA0|ttyS\d)(?:,.*)?$/;

export interface CmdlineEdit {
  text: string;
  removed: string[];
}

export function removeSerialConsoles(text: string): CmdlineEdit {
  const nl = text.indexOf('\n');
  const first = nl < 0 ? text : text.slice(0, nl);
  const rest = nl < 0 ? '' : text.slice(nl); // keeps the newline (and anything after, untouched)
  const tokens = first.trim().split(/\s+/).filter((w) => w !== '');
  const removed = tokens.filter((w) => SERIAL_CONSOLE.test(w));
  if (removed.length === 0) return { text, removed };
  return { text: tokens.filter((w) => !SERIAL_CONSOLE.test(w)).join(' ') + rest, removed };
}

/**
 * Debian's raspi-firmware regenerates cmdline.txt from CONSOLES= in /etc/default/raspi-firmware
 * on every kernel update (`auto` picks the board's serial console): set it to consoles without
 * a serial one, or the edit above is undone by the next kernel package.
 */
export function withoutSerialConsolesSetting(text: string): CmdlineEdit {
  const lines = text.split('\n');
  const removed: string[] = [];
  let found = false;
  const out = lines.map((line) => {
    const m = /^\s*CONSOLES=(["']?)(.*)\1\s*$/.exec(line);
    if (!m) return line;
    found = true;
    const entries = m[2]!.trim().split(/\s+/).filter((w) => w !== '');
    const keep = entries.filter((e) => e !== 'auto' && !SERIAL_CONSOLE.test(`console=${e}`));
    const dropped = entries.filter((e) => !keep.includes(e));
    if (dropped.length === 0) return line;
    removed.push(...dropped);
    return `CONSOLES="${keep.length > 0 ? keep.join(' ') : 'tty0'}"`;
  });
  if (found) return { text: removed.length > 0 ? out.join('\n') : text, removed };
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  return { text: `${text}${sep}# ${'stratum1d setup'}: no serial console (the GNSS receiver uses the UART)\nCONSOLES="tty0"\n`, removed: ['auto (default)'] };
}
