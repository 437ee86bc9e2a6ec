// systemd's socket-activation protocol (sd_listen_fds): the parent passes listening sockets as
// fds 3.. with LISTEN_FDS=<count>, LISTEN_PID=<our pid> and optionally LISTEN_FDNAMES=a:b.
// The holdfast supervisor uses the same protocol, so a socket survives restarts and reloads.

export const SD_LISTEN_FDS_START = 3;

export interface InheritedSocket {
  fd: number;
  name: string | undefined;
}

/** The inherited listening sockets meant for this process, or [] when there are none. */
export function inheritedSockets(env: NodeJS.ProcessEnv = process.env, pid = process.pid): InheritedSocket[] {
  const count = Number(env.LISTEN_FDS);
  if (!Number.isInteger(count) || count <= 0) return [];
  // LISTEN_PID guards against a grandchild inheriting the variables by accident. A parent that
  // cannot know the pid before exec (Node's spawn) may leave it unset.
  if (env.LISTEN_PID !== undefined && env.LISTEN_PID !== '' && Number(env.LISTEN_PID) !== pid) return [];
  const names = env.LISTEN_FDNAMES?.split(':') ?? [];
  return Array.from({ length: count }, (_, i) => ({ fd: SD_LISTEN_FDS_START + i, name: names[i] }));
}

/** Removes the variables so children of this process do not think the sockets are theirs. */
export function forgetInheritedSockets(env: NodeJS.ProcessEnv = process.env): void {
  delete env.LISTEN_FDS;
  delete env.LISTEN_PID;
  delete env.LISTEN_FDNAMES;
}
