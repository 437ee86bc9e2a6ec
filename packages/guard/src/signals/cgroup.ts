// The memory limit and CPU quota the kernel enforces on this process, read from cgroup v1 or v2.
// Node's own view (os.totalmem(), availableParallelism()) is the host's, which in a container is
// the wrong denominator: a pod limited to 1 CPU on a 64-core node is overloaded long before it
// uses 2% of the host. Everything is read relative to `root` so tests can build a fake cgroupfs.
//
// Where the process lives: /proc/self/cgroup lists "id:controllers:path" lines (v2: one
// "0::path" line). Where a hierarchy is mounted: /proc/self/mountinfo (field 5 is the mount
// point, field 4 the root of the hierarchy the mount shows, after " - " the fs type). A limit
// set on an ancestor applies too, so we walk up to the mount root and keep the tightest.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CgroupLimits {
  /** 1 or 2 when a hierarchy governs memory or CPU; null when none was found. */
  version: 1 | 2 | null;
  /** Bytes; null when unlimited or unknown. */
  memoryLimitBytes: number | null;
  /** CPUs' worth of time per period (quota / period); null when unlimited or unknown. */
  cpuQuotaCores: number | null;
}

interface Mount {
  root: string;
  point: string;
  fstype: string;
  options: string[];
}

function read(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function parseMountinfo(text: string): Mount[] {
  const out: Mount[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    if (left.length < 5 || right.length < 3) continue;
    out.push({ root: left[3]!, point: left[4]!, fstype: right[0]!, options: right[2]!.split(',') });
  }
  return out;
}

/** Directories from the process's own cgroup up to the mount's root, innermost first. */
function cgroupDirs(root: string, mount: Mount, cgroupPath: string): string[] {
  // Inside a container the mount often shows only the container's subtree (mount root = its
  // path, or "/" with a namespaced /proc/self/cgroup); strip the mount root from the path.
  let rel = cgroupPath;
  if (mount.root !== '/' && (rel === mount.root || rel.startsWith(mount.root + '/'))) rel = rel.slice(mount.root.length);
  const parts = rel.split('/').filter(Boolean);
  const dirs: string[] = [];
  for (let i = parts.length; i >= 0; i--) dirs.push(join(root, mount.point, ...parts.slice(0, i)));
  return dirs;
}

const UNLIMITED_V1 = 2 ** 60; // v1 reports "no limit" as ~2^63 rounded down to a page.

function tightest(values: (number | null)[]): number | null {
  let best: number | null = null;
  for (const v of values) if (v !== null && (best === null || v < best)) best = v;
  return best;
}

function v1Memory(dirs: string[]): number | null {
  return tightest(
    dirs.map((d) => {
      const t = read(join(d, 'memory.limit_in_bytes'));
      const n = t === null ? NaN : Number(t.trim());
      return Number.isFinite(n) && n > 0 && n < UNLIMITED_V1 ? n : null;
    }),
  );
}

function v1Cpu(dirs: string[]): number | null {
  return tightest(
    dirs.map((d) => {
      const quota = Number(read(join(d, 'cpu.cfs_quota_us'))?.trim());
      const period = Number(read(join(d, 'cpu.cfs_period_us'))?.trim());
      return Number.isFinite(quota) && quota > 0 && period > 0 ? quota / period : null;
    }),
  );
}

function v2Memory(dirs: string[]): number | null {
  return tightest(
    dirs.map((d) => {
      const t = read(join(d, 'memory.max'))?.trim();
      if (t === undefined || t === 'max') return null;
      const n = Number(t);
      return Number.isFinite(n) && n > 0 ? n : null;
    }),
  );
}

function v2Cpu(dirs: string[]): number | null {
  return tightest(
    dirs.map((d) => {
      const t = read(join(d, 'cpu.max'))?.trim();
      if (t === undefined) return null;
      const [quota, period] = t.split(/\s+/);
      if (quota === undefined || quota === 'max') return null;
      const q = Number(quota);
      const p = Number(period ?? 100_000);
      return q > 0 && p > 0 ? q / p : null;
    }),
  );
}

/** Reads the cgroup limits of the current process; `root` prefixes every path (tests use a temp dir). */
export function readCgroupLimits(root = '/'): CgroupLimits {
  const self = read(join(root, 'proc/self/cgroup'));
  const mountinfo = read(join(root, 'proc/self/mountinfo'));
  const none: CgroupLimits = { version: null, memoryLimitBytes: null, cpuQuotaCores: null };
  if (self === null || mountinfo === null) return none;
  const mounts = parseMountinfo(mountinfo);
  const v1Paths = new Map<string, string>();
  let v2Path: string | undefined;
  for (const line of self.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    if (m[1] === '0' && m[2] === '') v2Path = m[3]!;
    else for (const c of m[2]!.split(',')) v1Paths.set(c, m[3]!);
  }
  const v1Mount = (controller: string) => mounts.find((mt) => mt.fstype === 'cgroup' && mt.options.includes(controller));
  const v2Mount = mounts.find((mt) => mt.fstype === 'cgroup2');

  let version: 1 | 2 | null = null;
  let memoryLimitBytes: number | null = null;
  let cpuQuotaCores: number | null = null;
  // A controller mounted as v1 is governed there (hybrid hosts mount an empty v2 beside it).
  const memMount = v1Mount('memory');
  if (memMount && v1Paths.has('memory')) {
    version = 1;
    memoryLimitBytes = v1Memory(cgroupDirs(root, memMount, v1Paths.get('memory')!));
  } else if (v2Mount && v2Path !== undefined) {
    version = 2;
    memoryLimitBytes = v2Memory(cgroupDirs(root, v2Mount, v2Path));
  }
  const cpuMount = v1Mount('cpu');
  if (cpuMount && v1Paths.has('cpu')) {
    version ??= 1;
    cpuQuotaCores = v1Cpu(cgroupDirs(root, cpuMount, v1Paths.get('cpu')!));
  } else if (v2Mount && v2Path !== undefined) {
    version ??= 2;
    cpuQuotaCores = v2Cpu(cgroupDirs(root, v2Mount, v2Path));
  }
  return { version, memoryLimitBytes, cpuQuotaCores };
}
