import { readFileSync } from 'node:fs';

/**
 * The node options the shipped unit gives the daemon (`Environment=NODE_OPTIONS=...` in
 * systemd/stratum1d.service), so a bench measures the daemon as it runs on an appliance and
 * the unit stays the one place that says how. An operator's /etc/default/stratum1d may
 * override them there; the bench measures what we ship.
 */
const UNIT = new URL('../../systemd/stratum1d.service', import.meta.url);

/** The value of the unit's NODE_OPTIONS, or '' when it sets none. */
export function nodeOptionsOfUnit(text: string): string {
  let found = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    // systemd.exec(5): Environment="VAR=value" or Environment=VAR=value; the last one wins.
    const m = /^Environment=(?:"NODE_OPTIONS=([^"]*)"|NODE_OPTIONS=(\S.*))$/.exec(line);
    if (m) found = (m[1] ?? m[2] ?? '').trim();
  }
  return found;
}

export function shippedNodeOptions(): string {
  return nodeOptionsOfUnit(readFileSync(UNIT, 'utf8'));
}
