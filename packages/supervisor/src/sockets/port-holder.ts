// Who holds a TCP port: the listening socket's inode from /proc/net/tcp and tcp6, then the
// process whose fd table has `socket:[inode]`. Used to turn EADDRINUSE into an error a person
// can act on ("port 3000 is held by pid 4242 (node server.js)"). Linux only; processes of other
// users are visible to root only, so the answer may be "unknown".
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface PortHolder {
  pid: number;
  command: string;
}

/** Inodes of sockets listening (state 0A) on `port`, any address, IPv4 and IPv6. */
export function listeningInodes(port: number, procRoot = '/proc'): string[] {
  const inodes: string[] = [];
  for (const table of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = readFileSync(`${procRoot}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A') continue;
      const local = f[1]!;
      if (parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port) inodes.push(f[9]!);
    }
  }
  return inodes;
}

function commandOf(pid: number, procRoot: string): string {
  try {
    const argv = readFileSync(`${procRoot}/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    if (argv.length) return argv.join(' ').slice(0, 200);
  } catch {}
  try {
    return readFileSync(`${procRoot}/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

/** Processes holding a socket that listens on `port` (empty when none can be seen). */
export function findPortHolders(port: number, procRoot = '/proc'): PortHolder[] {
  const wanted = new Set(listeningInodes(port, procRoot).map((i) => `socket:[${i}]`));
  if (wanted.size === 0) return [];
  const holders: PortHolder[] = [];
  for (const name of readdirSync(procRoot)) {
    if (!/^\d+$/.test(name)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`${procRoot}/${name}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`${procRoot}/${name}/fd/${fd}`);
      } catch {
        continue;
      }
      if (wanted.has(target)) {
        holders.push({ pid: Number(name), command: commandOf(Number(name), procRoot) });
        break;
      }
    }
  }
  return holders;
}

/** "pid 4242 (node server.js)", or why it cannot be told. */
export function describeHolders(port: number, holders: PortHolder[]): string {
  if (holders.length === 0) {
    const root = process.getuid?.() === 0;
    return root
      ? 'no process holding it could be found (it may be in another network namespace)'
      : `the holder is not visible to this user (try: sudo ss -ltnp 'sport = :${port}')`;
  }
  return holders.map((h) => `pid ${h.pid} (${h.command})`).join(', ');
}
