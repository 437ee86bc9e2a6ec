// cgroup v1: one hierarchy per controller, so a program's cgroup is one directory under each.
// Its parent is the daemon's own cgroup in that hierarchy (never the root: the daemon stays
// inside whatever limits its own supervisor, e.g. systemd, gave it).
import { mkdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LimitsConfig } from '../config/schema.ts';
import { deviceOf } from './block-device.ts';
import { existsSync, isDir, readNumber, readPids, readText, removeCgroupDirs, subdirs, tryWrite } from './fs-util.ts';
import { killUntilEmpty } from './kill.ts';
import { parseOomKills, v1LimitWrites } from './limits.ts';
import type { CgroupDriver, CgroupHandle } from './types.ts';

export const V1_CONTROLLERS = ['memory', 'pids', 'cpu', 'cpuacct', 'blkio'] as const;

export class CgroupV1Driver implements CgroupDriver {
  readonly version = 1 as const;
  readonly description: string;
  /** controller → this daemon's base directory in it. */
  readonly bases: Map<string, string>;

  constructor(bases: Map<string, string>) {
    this.bases = bases;
    this.description = `cgroup v1 (${[...bases.keys()].join(', ')}) under ${bases.get('memory') ?? [...bases.values()][0]}`;
  }

  private dirs(name: string): Map<string, string> {
    return new Map([...this.bases].map(([c, base]) => [c, join(base, name)]));
  }

  /** Limits last written per cgroup: a restart with the same limits skips the writes (they cost on the restart path). */
  private applied = new Map<string, string>();

  open(name: string, limits: LimitsConfig | undefined, cwd: string) {
    const dirs = this.dirs(name);
    const key = JSON.stringify(limits ?? null) + cwd;
    if (this.applied.get(name) === key && [...dirs.values()].every(isDir)) return { handle: this.attach(name), warnings: [] };
    this.applied.set(name, key);
    const warnings: string[] = [];
    for (const dir of dirs.values()) mkdirSync(dir, { recursive: true });
    if (limits) {
      let device: string | undefined;
      if (limits.ioReadBps !== undefined || limits.ioWriteBps !== undefined) {
        const d = deviceOf(limits.ioDevice ?? cwd);
        device = d.device;
        if (d.warning) warnings.push(d.warning);
      }
      const memDir = dirs.get('memory');
      const hasMemsw = memDir !== undefined && existsSync(join(memDir, 'memory.memsw.limit_in_bytes'));
      // Lowering the memory limit below memsw fails, and raising memsw above memory needs order: clear memsw first.
      if (hasMemsw && limits.memory !== undefined) tryWrite(join(memDir!, 'memory.memsw.limit_in_bytes'), '-1');
      for (const w of v1LimitWrites(limits, device, hasMemsw)) {
        const dir = dirs.get(w.controller);
        if (!dir) {
          warnings.push(`limit ${w.file} not applied: the ${w.controller} controller is not available`);
          continue;
        }
        const err = tryWrite(join(dir, w.file), w.value);
        if (err) warnings.push(`limit ${w.file}=${w.value} not applied: ${err}`);
      }
    } else {
      // Limits removed by an update: back to unlimited.
      const reset: [string, string, string][] = [
        ['memory', 'memory.memsw.limit_in_bytes', '-1'],
        ['memory', 'memory.limit_in_bytes', '-1'],
        ['cpu', 'cpu.cfs_quota_us', '-1'],
        ['pids', 'pids.max', 'max'],
      ];
      for (const [c, f, v] of reset) if (dirs.has(c)) tryWrite(join(dirs.get(c)!, f), v);
    }
    return { handle: this.attach(name), warnings };
  }

  attach(name: string): CgroupHandle {
    const dirs = this.dirs(name);
    const procsFiles = [...dirs.values()].map((d) => join(d, 'cgroup.procs'));
    const pids = () => [...new Set(procsFiles.flatMap(readPids))];
    const mem = dirs.get('memory');
    const cpuacct = dirs.get('cpuacct');
    // Paths joined once: the OOM check runs every 2 s for every instance, and path.join per read
    // was most of what the daemon allocated while idle.
    const oomFile = mem && join(mem, 'memory.oom_control');
    const memFile = mem && join(mem, 'memory.usage_in_bytes');
    const cpuFile = cpuacct && join(cpuacct, 'cpuacct.usage');
    return {
      name,
      procsFiles,
      pids,
      killAll: (timeoutMs, keepGoing) => killUntilEmpty(pids, timeoutMs, keepGoing),
      oomKills: () => (oomFile ? parseOomKills(readText(oomFile) ?? '') : 0),
      stats: () => {
        const ns = cpuFile ? readNumber(cpuFile) : undefined;
        return { memoryBytes: memFile ? readNumber(memFile) : undefined, cpuUsec: ns === undefined ? undefined : Math.round(ns / 1000) };
      },
      remove: () => {
        this.applied.delete(name);
        return removeCgroupDirs([...dirs.values()]);
      },
    };
  }

  dispose(): void {
    for (const base of this.bases.values()) {
      try {
        rmdirSync(base);
      } catch {}
    }
  }

  leftovers(): string[] {
    return [...new Set([...this.bases.values()].flatMap(subdirs))];
  }
}
