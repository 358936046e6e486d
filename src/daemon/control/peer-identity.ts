import { readFileSync } from 'node:fs';

/**
 * The control socket's caller as the kernel reports it, and the role that follows. Pure rules
 * (roleFor) apart from the lookups (group names, user names, /proc), which are injected so the
 * rules are tested with plain values.
 */
export type ControlRole = 'admin' | 'read' | 'none';

export interface PeerCreds {
  pid: number;
  uid: number;
  gid: number;
  /** Supplementary groups at connect time; null when unknown. */
  groups: number[] | null;
}

export interface Peer extends PeerCreds {
  /** Login name of `uid`, null when the uid has none. */
  user: string | null;
  role: ControlRole;
  /** Why this role, in words for logs and refusals ("member of group 992"). */
  because: string;
}

export interface RolePolicy {
  /** The daemon's own uid: its owner could replace the daemon anyway, so admin. */
  daemonUid: number;
  /** The daemon's gid, the socket file's group: read. */
  daemonGid: number;
  adminGids: ReadonlySet<number>;
  readGids: ReadonlySet<number>;
}

export function roleFor(c: PeerCreds, p: RolePolicy): { role: ControlRole; because: string } {
  if (c.uid === 0) return { role: 'admin', because: 'root' };
  if (c.uid === p.daemonUid) return { role: 'admin', because: "the daemon's own user" };
  const gids = [c.gid, ...(c.groups ?? [])];
  const admin = gids.find((g) => p.adminGids.has(g));
  if (admin !== undefined) return { role: 'admin', because: `member of admin group ${admin}` };
  const read = gids.find((g) => p.readGids.has(g) || g === p.daemonGid);
  if (read !== undefined) return { role: 'read', because: `member of group ${read}` };
  return { role: 'none', because: `uid ${c.uid} is in none of the control socket's groups` };
}

/** Display id for logs and the audit log: `alice(uid 1000)`, `uid 61002` when the uid has no name. */
export function peerId(p: Pick<Peer, 'uid' | 'user'>): string {
  return p.user === null ? `uid ${p.uid}` : `${p.user}(uid ${p.uid})`;
}

/**
 * Group entries from the config (names or gids) as gids. Names that do not resolve are
 * returned apart so the caller can say so once; they grant nothing.
 */
export function resolveGroups(entries: ReadonlyArray<string | number>, lookup: (name: string) => number | null): { gids: Set<number>; unknown: string[] } {
  const gids = new Set<number>();
  const unknown: string[] = [];
  for (const e of entries) {
    if (typeof e === 'number') gids.add(e);
    else if (/^\d+$/.test(e)) gids.add(Number(e));
    else {
      const g = lookup(e);
      if (g === null) unknown.push(e);
      else gids.add(g);
    }
  }
  return { gids, unknown };
}

/**
 * Supplementary groups from /proc/<pid>/status, for kernels without SO_PEERGROUPS. Only
 * believed while the process there still has the peer's uid (a pid reused by another user's
 * process must not lend its groups); null otherwise.
 */
export function procGroups(pid: number, uid: number, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): number[] | null {
  let text: string;
  try {
    text = read(`/proc/${pid}/status`);
  } catch {
    return null;
  }
  const uids = /^Uid:\s+(.*)$/m.exec(text)?.[1]?.trim().split(/\s+/).map(Number);
  if (!uids || uids[0] !== uid) return null;
  const groups = /^Groups:[ \t]*(.*)$/m.exec(text)?.[1]?.trim();
  if (groups === undefined) return null;
  return groups === '' ? [] : groups.split(/\s+/).map(Number);
}
