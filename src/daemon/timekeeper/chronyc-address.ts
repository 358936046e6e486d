/**
 * chronyc's arguments for reaching chronyd: a path is its unix command socket (root or
 * _chrony only: chronyc binds its reply socket under /run/chrony); `host` or `host:port`
 * (`[::1]:323`) is the UDP command port, where chronyd answers monitoring commands
 * (tracking, sources) from localhost by default — what an unprivileged daemon can use.
 */
export function chronycAddressArgs(commandSocket: string): string[] {
  if (commandSocket.startsWith('/')) return ['-h', commandSocket];
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(commandSocket) ?? /^([^:]+)(?::(\d+))?$/.exec(commandSocket);
  if (!m) return ['-h', commandSocket];
  return m[2] ? ['-h', m[1]!, '-p', m[2]] : ['-h', m[1]!];
}
