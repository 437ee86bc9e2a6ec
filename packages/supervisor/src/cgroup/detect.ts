// Which cgroup version is mounted, and can this daemon create cgroups in it? Decided once at
// start, from files (so a fake tree in a temp dir is detected the same way as the real one):
// `cgroup.controllers` at the root means v2 (unified); controller directories mean v1 (or a
// hybrid, where v1 holds the controllers). A failure is a reason said at start, never silent.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { existsSync, isDir, parseSelfCgroup } from './fs-util.ts';
import type { CgroupDetection } from './types.ts';
import { CgroupV1Driver, V1_CONTROLLERS } from './v1.ts';
import { CgroupV2Driver } from './v2.ts';

export interface DetectOptions {
  /** Mount point of the cgroup file system. */
  root?: string;
  /** Contents of /proc/self/cgroup (tests pass their own). */
  selfCgroup?: string;
  /** Names this daemon's subtree: holdfast/<daemonId>. */
  daemonId: string;
}

function why(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied (run the daemon as root, or under systemd with Delegate=yes)';
  if (code === 'EROFS') return 'the cgroup file system is mounted read-only (in a container: give it a writable cgroup namespace)';
  return (err as Error).message;
}

export function detectCgroups(opts: DetectOptions): CgroupDetection {
  const root = opts.root ?? '/sys/fs/cgroup';
  let selfText = opts.selfCgroup;
  if (selfText === undefined) {
    try {
      selfText = readFileSync('/proc/self/cgroup', 'utf8');
    } catch {
      return { driver: undefined, reason: 'cannot read /proc/self/cgroup (not Linux?)' };
    }
  }
  const self = parseSelfCgroup(selfText);
  if (existsSync(join(root, 'cgroup.controllers'))) {
    const rel = self.get('') ?? '/';
    try {
      return { driver: CgroupV2Driver.setUp(join(root, rel), opts.daemonId, rel === '/') };
    } catch (err) {
      return { driver: undefined, reason: `cgroup v2 at ${root} is not writable for this daemon: ${why(err)}` };
    }
  }
  const bases = new Map<string, string>();
  const problems: string[] = [];
  for (const c of V1_CONTROLLERS) {
    const mount = join(root, c);
    if (!isDir(mount)) continue;
    const base = join(mount, self.get(c) ?? '/', 'holdfast', opts.daemonId);
    try {
      mkdirSync(base, { recursive: true });
      bases.set(c, base);
    } catch (err) {
      problems.push(`${c}: ${why(err)}`);
    }
  }
  if (!bases.has('memory') && !bases.has('pids')) {
    const reason = problems.length
      ? `cgroup v1 at ${root} is not writable: ${problems.join('; ')}`
      : `no cgroup file system found at ${root}`;
    return { driver: undefined, reason };
  }
  return { driver: new CgroupV1Driver(bases) };
}
