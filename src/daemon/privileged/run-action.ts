import { constants } from 'node:fs';
import { lstat, mkdir, open, stat, unlink, chown } from 'node:fs/promises';
import type { Config } from '../../config/schema.js';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import { applyRendered } from '../timekeeper/apply/apply-config.js';
import { gatherFacts } from '../timekeeper/apply/gather-facts.js';
import { renderFor } from '../timekeeper/apply/preview.js';
import { type CommandRunner, describeResult } from '../timekeeper/apply/run-command.js';
import { chronyTarget, ntpsecTarget } from '../timekeeper/apply/targets.js';
import { type PrivilegedAction, type PrivilegedResult, REQUEST_ID_PATTERN, requestPath, resultPath } from './privileged-actions.js';
import { daemonManagesRtc as rtcManagedByDaemon } from '../../config/sections/rtc.js';

export interface RunActionDeps {
  config: Config;
  configSource: string;
  requestDir: string;
  resultDir: string;
  env?: NodeJS.ProcessEnv;
  run?: CommandRunner;
  /** Writes the kernel RTC (RTC_SET_TIME); injected so tests need no /dev/rtc. */
  writeKernelRtc: (devicePath: string, utcMs: number) => Promise<void>;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

type Outcome = Omit<PrivilegedResult, 'id' | 'action' | 'finishedAt'>;

/**
 * The root side of one privileged request. Reads only the request's id (hex, bounded, from a
 * regular file that is not a symlink), removes the request, acts from the on-disk configuration
 * and writes the outcome where only root can write. Returns the result it wrote, or null when
 * there was no usable request (then nothing is written: there is no id to answer to).
 */
export async function runPrivilegedAction(action: PrivilegedAction, d: RunActionDeps): Promise<PrivilegedResult | null> {
  const id = await takeRequestId(requestPath(d.requestDir, action));
  if (id === null) return null;
  let outcome: Outcome;
  try {
    outcome = await perform(action, d);
  } catch (err) {
    outcome = { ok: false, status: 'failed', summary: (err as Error).message, details: {} };
  }
  const result: PrivilegedResult = { id, action, finishedAt: new Date((d.now ?? Date.now)()).toISOString(), ...outcome };
  await writeResult(d.resultDir, resultPath(d.resultDir, action), d.requestDir, result);
  return result;
}

async function takeRequestId(path: string): Promise<string | null> {
  let st;
  try {
    st = await lstat(path);
  } catch {
    return null;
  }
  if (!st.isFile() || st.size > 128) {
    await unlink(path).catch(() => undefined);
    return null;
  }
  let text = '';
  const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => null);
  if (fh) {
    try {
      text = (await fh.readFile('utf8')).trim();
    } finally {
      await fh.close();
    }
  }
  await unlink(path).catch(() => undefined);
  return REQUEST_ID_PATTERN.test(text) ? text : null;
}

async function perform(action: PrivilegedAction, d: RunActionDeps): Promise<Outcome> {
  const c = d.config;
  switch (action) {
    case 'apply': {
      const kind = c.timekeeper.kind;
      if (kind === 'none') return { ok: false, status: 'refused', summary: 'timekeeper.kind is none: nothing to apply', details: {} };
      const daemonManagesRtc = rtcManagedByDaemon(c.rtc);
      const { facts, notes } = await gatherFacts(c, { configSource: d.configSource, daemonManagesRtc, ...(d.env ? { env: d.env } : {}) });
      const rendered = renderFor(kind, c, facts);
      const opts = d.run ? { run: d.run } : {};
      const target = kind === 'chrony' ? chronyTarget(c, { daemonManagesRtc, ...opts }) : ntpsecTarget(c, opts);
      const o = await applyRendered(target, { text: rendered.text, notes: [...notes.map((message) => ({ level: 'warn' as const, message })), ...rendered.notes] }, { dryRun: false });
      const last = o.messages[o.messages.length - 1];
      return {
        ok: o.exitCode === 0,
        status: o.status,
        summary: `${o.status}${last ? `: ${last}` : ''}`,
        details: { status: o.status, exitCode: o.exitCode, messages: o.messages, diff: o.diff, backupPath: o.backupPath, validation: o.validation },
      };
    }
    case 'restart-timekeeper': {
      const kind = c.timekeeper.kind;
      if (kind === 'none') return { ok: false, status: 'refused', summary: 'timekeeper.kind is none: nothing to restart', details: {} };
      const opts = d.run ? { run: d.run } : {};
      const target = kind === 'chrony' ? chronyTarget(c, { daemonManagesRtc: false, ...opts }) : ntpsecTarget(c, opts);
      const r = await target.restart();
      if (r.code !== 0 || r.error !== null) {
        return { ok: false, status: 'failed', summary: `restart failed: ${describeResult(target.restartArgv, r)}`, details: { command: [...target.restartArgv], code: r.code, stderr: r.stderr.slice(-2000) } };
      }
      const up = await target.waitUp();
      return up.up
        ? { ok: true, status: 'restarted', summary: `${target.name} restarted and answers (after ${up.waitedMs} ms)`, details: { command: [...target.restartArgv], waitedMs: up.waitedMs } }
        : { ok: false, status: 'failed', summary: `${target.name} restarted but did not answer within ${Math.round(up.waitedMs / 1000)} s: ${up.detail}`, details: { command: [...target.restartArgv] } };
    }
    case 'set-rtc': {
      if (c.rtc.model === 'none' || c.rtc.model === 'simulated') return { ok: false, status: 'refused', summary: `rtc.model is ${c.rtc.model}: no kernel RTC to set`, details: {} };
      const device = `/dev/${c.rtc.kernelDevice}`;
      const now = d.now ?? Date.now;
      const sleep = d.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
      // The kernel RTC keeps whole seconds: write at the top of a second so it is not up to 1 s behind.
      await sleep(1000 - (now() % 1000));
      const at = Math.round(now() / 1000) * 1000;
      await d.writeKernelRtc(device, at);
      return { ok: true, status: 'set', summary: `${device} set from the system clock to ${new Date(at).toISOString()}`, details: { device, writtenAt: new Date(at).toISOString() } };
    }
  }
}

/** The result directory is root's; the file takes the request directory's group so the daemon can read it. */
async function writeResult(dir: string, path: string, requestDir: string, result: PrivilegedResult): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o750 });
  await writeFileAtomic(path, `${JSON.stringify(result)}\n`, { mode: 0o640 });
  const gid = await stat(requestDir).then((s) => s.gid).catch(() => null);
  if (gid !== null && process.getuid?.() === 0) {
    await chown(path, 0, gid).catch(() => undefined);
    const ds = await stat(dir);
    if (ds.uid === 0 && ds.gid === 0) await chown(dir, 0, gid).catch(() => undefined);
  }
}
