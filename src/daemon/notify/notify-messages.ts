/**
 * The sd_notify wire format (sd_notify(3)): newline-separated KEY=VALUE assignments in
 * one datagram. systemd drops a whole datagram that holds a NUL byte or that does not
 * fit its receive buffer (PIPE_BUF, 4096 bytes), so a status line is cleaned and capped.
 */

/** Bytes of STATUS= text we keep; the rest of a long line is cut, leaving room below 4096. */
export const MAX_STATUS_BYTES = 1024;

/**
 * One line of status: line breaks and tabs become spaces (a newline would start a new assignment),
 * other control characters go, and the text is cut at a character boundary.
 */
export function statusText(line: string): string {
  const text = line.replace(/[\r\n\t]+/g, ' ').replace(/[\u0000-\u001f\u007f]/g, '').trim();
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= MAX_STATUS_BYTES) return text;
  // Back up over UTF-8 continuation bytes (10xxxxxx) so no character is cut in half.
  let end = MAX_STATUS_BYTES;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

export type Assignment = readonly [key: string, value: string];

export function notifyDatagram(assignments: readonly Assignment[]): Buffer {
  return Buffer.from(assignments.map(([k, v]) => `${k}=${v}`).join('\n'), 'utf8');
}

/** The assignments of a received datagram, for fakes of systemd; later duplicates win. */
export function parseNotifyDatagram(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) fields[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return fields;
}
