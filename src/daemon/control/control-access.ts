import type { Socket } from 'node:net';
import { controlSchema, type ControlConfig } from '../../config/sections/control.js';
import { peerCredentials } from '../../drivers/native/peer-credentials.js';
import { groupId, userName } from '../../drivers/native/user-db.js';
import { type Peer, type PeerCreds, procGroups, resolveGroups, roleFor, type RolePolicy } from './peer-identity.js';

export interface ControlAccessDeps {
  /** The kernel's word on the peer of an accepted socket; throws when it cannot be read. */
  credsOf(socket: Socket): PeerCreds;
  userName(uid: number): string | null;
  groupId(name: string): number | null;
  daemonUid: number;
  daemonGid: number;
  /** ms, monotonic; for re-resolving group names now and then. */
  now(): number;
  /** Told once per name that does not resolve to a group. */
  onUnknownGroup?(name: string, key: 'adminGroups' | 'readGroups'): void;
}

/** Group names are looked up again after this long, so a group created after start counts. */
const RESOLVE_EVERY_MS = 30_000;

/** The fd of an accepted unix socket: Node keeps it on its libuv handle and has no public API for it. */
export function socketFd(socket: Socket): number {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('no file descriptor on this socket');
  return fd;
}

export const kernelCreds = (socket: Socket): PeerCreds => {
  const c = peerCredentials(socketFd(socket));
  return c.groups === null ? { ...c, groups: procGroups(c.pid, c.uid) } : c;
};

export function realAccessDeps(): ControlAccessDeps {
  return {
    credsOf: kernelCreds,
    userName,
    groupId,
    daemonUid: process.geteuid?.() ?? -1,
    daemonGid: process.getegid?.() ?? -1,
    now: () => performance.now(),
  };
}

/**
 * Turns an accepted connection into a Peer with a role (peer-identity.ts has the rules). A
 * socket whose credentials cannot be read gets no role: refusing is the safe failure.
 */
export class ControlAccess {
  #config: ControlConfig;
  #policy: RolePolicy | null = null;
  #resolvedAt = -Infinity;
  readonly #warned = new Set<string>();
  readonly #names = new Map<number, string | null>();
  readonly #deps: ControlAccessDeps;

  constructor(config: ControlConfig = controlSchema.parse(undefined), deps?: Partial<ControlAccessDeps>) {
    this.#config = config;
    this.#deps = { ...realAccessDeps(), ...deps };
  }

  /** New group lists (startup with the loaded config, reload); effective for the next connection. */
  configure(config: ControlConfig, onUnknownGroup?: ControlAccessDeps['onUnknownGroup']): void {
    this.#config = config;
    this.#policy = null;
    if (onUnknownGroup) this.#deps.onUnknownGroup = onUnknownGroup;
  }

  identify(socket: Socket): Peer {
    let creds: PeerCreds;
    try {
      creds = this.#deps.credsOf(socket);
    } catch (err) {
      return { pid: -1, uid: -1, gid: -1, groups: null, user: null, role: 'none', because: `peer credentials unreadable: ${(err as Error).message}` };
    }
    return this.peerFor(creds);
  }

  peerFor(creds: PeerCreds): Peer {
    const { role, because } = roleFor(creds, this.#currentPolicy());
    return { ...creds, user: this.#userName(creds.uid), role, because };
  }

  #currentPolicy(): RolePolicy {
    const now = this.#deps.now();
    if (this.#policy && now - this.#resolvedAt < RESOLVE_EVERY_MS) return this.#policy;
    const lookup = (name: string): number | null => {
      try {
        return this.#deps.groupId(name);
      } catch {
        return null;
      }
    };
    const admin = resolveGroups(this.#config.adminGroups, lookup);
    const read = resolveGroups(this.#config.readGroups, lookup);
    for (const [names, key] of [
      [admin.unknown, 'adminGroups'],
      [read.unknown, 'readGroups'],
    ] as const) {
      for (const n of names) {
        if (this.#warned.has(`${key}:${n}`)) continue;
        this.#warned.add(`${key}:${n}`);
        this.#deps.onUnknownGroup?.(n, key);
      }
    }
    this.#policy = { daemonUid: this.#deps.daemonUid, daemonGid: this.#deps.daemonGid, adminGids: admin.gids, readGids: read.gids };
    this.#resolvedAt = now;
    this.#names.clear();
    return this.#policy;
  }

  #userName(uid: number): string | null {
    if (!this.#names.has(uid)) {
      let name: string | null = null;
      try {
        name = this.#deps.userName(uid);
      } catch {
        // No name service: the uid alone identifies the caller.
      }
      if (this.#names.size > 1024) this.#names.clear();
      this.#names.set(uid, name);
    }
    return this.#names.get(uid) ?? null;
  }
}
