import { koffi, libcFunction, type NativePointer } from './libc.js';

/**
 * Names of users and groups through libc's name service switch (getpwuid(3), getgrnam(3)),
 * so users from LDAP or systemd-userdb resolve as `id` resolves them, not only /etc/passwd.
 * Only the fields we read are decoded; the rest of each struct is declared for its layout.
 */

let types: { passwd: unknown; group: unknown } | undefined;

function declare(): { passwd: unknown; group: unknown } {
  if (types) return types;
  const k = koffi();
  // <pwd.h> struct passwd, <grp.h> struct group (glibc); names are prefixed: koffi's type names are global.
  const passwd = k.struct('s1d_passwd', { pw_name: 'str', pw_passwd: 'str', pw_uid: 'uint32', pw_gid: 'uint32', pw_gecos: 'str', pw_dir: 'str', pw_shell: 'str' });
  const group = k.struct('s1d_group', { gr_name: 'str', gr_passwd: 'str', gr_gid: 'uint32', gr_mem: 'void *' });
  types = { passwd, group };
  return types;
}

/** The login name of `uid`, or null when no user has it. */
export function userName(uid: number): string | null {
  const t = declare();
  const p = libcFunction<(uid: number) => NativePointer | null>('s1d_passwd *getpwuid(uint32_t uid)')(uid);
  if (p === null) return null;
  return (koffi().decode(p, t.passwd as never) as { pw_name: string }).pw_name;
}

/** The gid of group `name`, or null when there is no such group. */
export function groupId(name: string): number | null {
  const t = declare();
  const p = libcFunction<(name: string) => NativePointer | null>('s1d_group *getgrnam(const char *name)')(name);
  if (p === null) return null;
  return (koffi().decode(p, t.group as never) as { gr_gid: number }).gr_gid;
}
