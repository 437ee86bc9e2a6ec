// cgroup v2: one unified tree. The kernel forbids processes in a cgroup whose controllers are
// delegated to children ("no internal processes"), so when the daemon sits in its own cgroup
// (systemd with Delegate=yes) it first moves itself into a leaf, `supervisor`, and then enables
// controllers for holdfast/<id>/<program> below.
import { mkdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LimitsConfig } from '../config/schema.ts';
import { deviceOf } from './block-device.ts';
import { existsSync, isDir, readNumber, readPids, readText, removeCgroupDirs, subdirs, tryWrite } from './fs-util.ts';
import { killUntilEmpty } from './kill.ts';
import { parseOomKills, v2LimitWrites } from './limits.ts';
import type { CgroupDriver, CgroupHandle } from './types.ts';

export const V2_CONTROLLERS = ['cpu', 'memory', 'pids', 'io'] as const;

export class CgroupV2Driver implements CgroupDriver {
  readonly version = 2 as const;
  readonly description: string;
  readonly base: string;
  readonly controllers: string[];

  constructor(base: string, controllers: string[]) {
    this.base = base;
    this.controllers = controllers;
    this.description = `cgroup v2 (${controllers.join(', ') || 'no controllers delegated'}) under ${base}`;
  }

  /**
   * Prepares the subtree under `own` (the daemon's cgroup): moves the daemon into a leaf when
   * it must, enables the controllers level by level. Throws with the failing file on error.
   */
  static setUp(own: string, daemonId: string, isRoot: boolean): CgroupV2Driver {
    const available = (readText(join(own, 'cgroup.controllers')) ?? '').split(/\s+/).filter(Boolean);
    const wanted = V2_CONTROLLERS.filter((c) => available.includes(c));
    if (!isRoot && readPids(join(own, 'cgroup.procs')).length > 0) {
      const leaf = join(own, 'supervisor');
      mkdirSync(leaf, { recursive: true });
      for (const pid of readPids(join(own, 'cgroup.procs'))) {
        const err = tryWrite(join(leaf, 'cgroup.procs'), String(pid));
        if (err && pid === process.pid) throw new Error(`cannot move the daemon into ${leaf}: ${err}`);
      }
    }
    const levels = [own, join(own, 'holdfast'), join(own, 'holdfast', daemonId)];
    for (let i = 0; i < levels.length; i++) {
      if (i > 0) mkdirSync(levels[i]!, { recursive: true });
      for (const c of wanted) {
        const err = tryWrite(join(levels[i]!, 'cgroup.subtree_control'), `+${c}`);
        if (err) throw new Error(`cannot enable the ${c} controller: ${err}`);
      }
    }
    return new CgroupV2Driver(levels[2]!, wanted);
  }

  /** Limits last written per cgroup: a restart with the same limits skips the writes (they cost on the restart path). */
  private applied = new Map<string, string>();

  open(name: string, limits: LimitsConfig | undefined, cwd: string) {
    const dir = join(this.base, name);
    const key = JSON.stringify(limits ?? null) + cwd;
    if (this.applied.get(name) === key && isDir(dir)) return { handle: this.attach(name), warnings: [] };
    this.applied.set(name, key);
    mkdirSync(dir, { recursive: true });
    const warnings: string[] = [];
    const l = limits ?? {};
    let device: string | undefined;
    if (l.ioReadBps !== undefined || l.ioWriteBps !== undefined) {
      const d = deviceOf(l.ioDevice ?? cwd);
      device = d.device;
      if (d.warning) warnings.push(d.warning);
    }
    const writes = v2LimitWrites(l, device);
    // Limits removed by an update go back to "max".
    for (const [file, reset] of [
      ['cpu.max', `max 100000`],
      ['memory.max', 'max'],
      ['memory.high', 'max'],
      ['pids.max', 'max'],
    ] as const) {
      if (!writes.some((w) => w.file === file) && existsSync(join(dir, file))) tryWrite(join(dir, file), reset);
    }
    for (const w of writes) {
      const err = tryWrite(join(dir, w.file), w.value);
      // No swap accounting means no memory.swap.max: nothing to stop swapping into, nothing to report.
      if (err && w.file !== 'memory.swap.max')
        warnings.push(`limit ${w.file}=${w.value} not applied (is its controller enabled in ${this.base}?): ${err}`);
    }
    return { handle: this.attach(name), warnings };
  }

  attach(name: string): CgroupHandle {
    const dir = join(this.base, name);
    const procs = join(dir, 'cgroup.procs');
    const pids = () => readPids(procs);
    // Joined once: read every 2 s (OOM check) and on every status poll, for every instance.
    const eventsFile = join(dir, 'memory.events');
    const cpuFile = join(dir, 'cpu.stat');
    const memFile = join(dir, 'memory.current');
    return {
      name,
      procsFiles: [procs],
      pids,
      killAll: async (timeoutMs, keepGoing) => {
        // cgroup.kill (Linux 5.14+) kills the whole cgroup atomically, forks in flight included.
        if (existsSync(join(dir, 'cgroup.kill'))) tryWrite(join(dir, 'cgroup.kill'), '1');
        return killUntilEmpty(pids, timeoutMs, keepGoing);
      },
      oomKills: () => parseOomKills(readText(eventsFile) ?? ''),
      stats: () => {
        const cpu = /^usage_usec (\d+)$/m.exec(readText(cpuFile) ?? '');
        return { memoryBytes: readNumber(memFile), cpuUsec: cpu ? Number(cpu[1]) : undefined };
      },
      remove: () => {
        this.applied.delete(name);
        return removeCgroupDirs([dir]);
      },
    };
  }

  dispose(): void {
    try {
      rmdirSync(this.base);
    } catch {}
  }

  leftovers(): string[] {
    return subdirs(this.base);
  }
}
