// Maps one `limits` block to the files of each cgroup version. Pure: the drivers write what
// this returns, and tests check the mapping without a cgroup file system.
import type { LimitsConfig } from '../config/schema.ts';

/** CFS period used for CPU quotas: 100 ms, the kernel's default. */
export const CPU_PERIOD_US = 100_000;

export interface LimitWrite {
  /** Controller directory on v1 ('cpu', 'memory', 'pids', 'blkio'); '' on v2. */
  controller: string;
  file: string;
  value: string;
}

/** Files for cgroup v2. `device` is "major:minor" of the block device for io limits. */
export function v2LimitWrites(l: LimitsConfig, device?: string): LimitWrite[] {
  const w: LimitWrite[] = [];
  if (l.cpu !== undefined)
    w.push({ controller: '', file: 'cpu.max', value: `${Math.max(1000, Math.round(l.cpu * CPU_PERIOD_US))} ${CPU_PERIOD_US}` });
  if (l.memoryHigh !== undefined) w.push({ controller: '', file: 'memory.high', value: String(l.memoryHigh) });
  if (l.memory !== undefined) {
    w.push({ controller: '', file: 'memory.max', value: String(l.memory) });
    // Without this, a program past its limit swaps instead of being OOM-killed.
    w.push({ controller: '', file: 'memory.swap.max', value: '0' });
  }
  if (l.pids !== undefined) w.push({ controller: '', file: 'pids.max', value: String(l.pids) });
  if (device && (l.ioReadBps !== undefined || l.ioWriteBps !== undefined)) {
    const parts = [device];
    if (l.ioReadBps !== undefined) parts.push(`rbps=${l.ioReadBps}`);
    if (l.ioWriteBps !== undefined) parts.push(`wbps=${l.ioWriteBps}`);
    w.push({ controller: '', file: 'io.max', value: parts.join(' ') });
  }
  return w;
}

/** Files for cgroup v1 (one hierarchy per controller). */
export function v1LimitWrites(l: LimitsConfig, device?: string, hasMemsw = false): LimitWrite[] {
  const w: LimitWrite[] = [];
  if (l.cpu !== undefined) {
    w.push({ controller: 'cpu', file: 'cpu.cfs_period_us', value: String(CPU_PERIOD_US) });
    w.push({ controller: 'cpu', file: 'cpu.cfs_quota_us', value: String(Math.max(1000, Math.round(l.cpu * CPU_PERIOD_US))) });
  }
  // v1 has no throttling soft limit; the soft limit is the reclaim target under pressure.
  if (l.memoryHigh !== undefined) w.push({ controller: 'memory', file: 'memory.soft_limit_in_bytes', value: String(l.memoryHigh) });
  if (l.memory !== undefined) {
    w.push({ controller: 'memory', file: 'memory.limit_in_bytes', value: String(l.memory) });
    // memory+swap at the same limit: past it the OOM killer acts instead of swap (after the plain limit: memsw >= mem).
    if (hasMemsw) w.push({ controller: 'memory', file: 'memory.memsw.limit_in_bytes', value: String(l.memory) });
  }
  if (l.pids !== undefined) w.push({ controller: 'pids', file: 'pids.max', value: String(l.pids) });
  if (device) {
    if (l.ioReadBps !== undefined)
      w.push({ controller: 'blkio', file: 'blkio.throttle.read_bps_device', value: `${device} ${l.ioReadBps}` });
    if (l.ioWriteBps !== undefined)
      w.push({ controller: 'blkio', file: 'blkio.throttle.write_bps_device', value: `${device} ${l.ioWriteBps}` });
  }
  return w;
}

/** Reads `oom_kill N` out of memory.events (v2) or memory.oom_control (v1). */
export function parseOomKills(text: string): number {
  const m = /^oom_kill (\d+)$/m.exec(text);
  return m ? Number(m[1]) : 0;
}
