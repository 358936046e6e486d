import { z } from 'zod';

/**
 * Who may do what over the local control socket (`stratum1d status`, `stratum1d mcp`). The
 * socket's file mode decides who can connect; the kernel then tells the daemon the caller's
 * uid and groups (SO_PEERCRED), and these groups decide the role. Whatever role or name a
 * client claims in its request is ignored.
 */
const groupList = z
  .array(z.union([z.string().min(1).max(64).regex(/^[A-Za-z0-9._-]+$/, 'a group name (letters, digits, . _ -) or a numeric gid'), z.number().int().min(0).max(4_294_967_294)]))
  .max(64);

export const controlSchema = z
  .strictObject({
    adminGroups: groupList
      .default(['stratum1d-admin'])
      .describe(
        'Groups (names or gids) whose members get the admin role on the control socket: the admin MCP tools over `stratum1d mcp` (apply/restart timekeeper, calibrate, set RTC, audit log). root and the daemon\'s own user are always admin. Create the group and add operators: `sudo groupadd -r stratum1d-admin && sudo usermod -aG stratum1d,stratum1d-admin $USER`. Add `sudo` here to make every sudoer an admin.',
      ),
    readGroups: groupList
      .default(['stratum1d'])
      .describe('Groups whose members get the read role (status, the read-only MCP tools). Members of the daemon\'s own group (the socket\'s group) always do. Anyone else who reaches the socket is refused.'),
  })
  .prefault({})
  .describe('Roles on the local control socket, from the caller\'s uid and groups as the kernel reports them.');

export type ControlConfig = z.infer<typeof controlSchema>;
