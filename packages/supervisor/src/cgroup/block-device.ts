// io limits name a block device as "major:minor". Users name a path (or nothing: the program's
// cwd); we find the whole disk under it, since throttling applies to disks, not partitions.
import { existsSync, readFileSync, statSync } from 'node:fs';

export function deviceOf(spec: string, sysRoot = '/sys'): { device?: string; warning?: string } {
  if (/^\d+:\d+$/.test(spec)) return { device: spec };
  let dev: number;
  try {
    dev = statSync(spec).dev;
  } catch (err) {
    return { warning: `io limits: cannot stat ${spec}: ${(err as Error).message}` };
  }
  const major = Number((BigInt(dev) >> 8n) & 0xfffn) | Number((BigInt(dev) >> 32n) & ~0xfffn);
  const minor = Number(BigInt(dev) & 0xffn) | Number((BigInt(dev) >> 12n) & ~0xffn);
  if (major === 0)
    return {
      warning:
        `io limits: ${spec} is on a virtual file system (device ` +
        `0:${minor}), not a block device; set ` +
        `limits.ioDevice to a disk ("8:0" or a path on it)`,
    };
  const sys = `${sysRoot}/dev/block/${major}:${minor}`;
  // A partition's sysfs directory has a `partition` file; its parent is the disk.
  if (existsSync(`${sys}/partition`)) {
    try {
      return { device: readFileSync(`${sys}/../dev`, 'utf8').trim() };
    } catch {}
  }
  return { device: `${major}:${minor}` };
}
