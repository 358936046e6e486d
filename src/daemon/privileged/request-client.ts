import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import { parseResult, type PrivilegedAction, type PrivilegedResult, requestPath, resultPath } from './privileged-actions.js';

export interface RequestOptions {
  requestDir: string;
  resultDir: string;
  timeoutMs: number;
  pollMs?: number;
}

export class PrivilegedTimeout extends Error {
  override name = 'PrivilegedTimeout';
}

/**
 * The daemon's side of the privileged path: drop `<action>.request` holding a fresh id, then
 * wait for the root side's `<action>.result.json` carrying the same id. An older result (from
 * an earlier request) is ignored, so a stale file can never pass for this call's outcome.
 */
export async function requestPrivileged(action: PrivilegedAction, o: RequestOptions): Promise<PrivilegedResult> {
  const id = randomBytes(16).toString('hex');
  await mkdir(o.requestDir, { recursive: true, mode: 0o750 });
  const req = requestPath(o.requestDir, action);
  await writeFileAtomic(req, `${id}\n`, { mode: 0o640 });
  const deadline = Date.now() + o.timeoutMs;
  const pollMs = o.pollMs ?? 200;
  const file = resultPath(o.resultDir, action);
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, pollMs));
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    const result = parseResult(text);
    if (result !== null && result.id === id) return result;
  }
  await rm(req, { force: true }).catch(() => undefined);
  throw new PrivilegedTimeout(
    `the privileged helper did not answer within ${(o.timeoutMs / 1000).toFixed(o.timeoutMs < 10_000 ? 1 : 0)} s (is stratum1d-admin@${action}.path active? see \`systemctl status stratum1d-admin@${action}.path\` and \`journalctl -u stratum1d-admin@${action}.service\`)`,
  );
}
