// Small readers of /proc: is a pid alive (and not a zombie), when did it start (to tell a
// recycled pid from ours), its process group, memory and CPU. Linux only, like cgroups.
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
  pgid: number;
  /** utime + stime, clock ticks. */
  cpuTicks: number;
  /** Start time after boot, clock ticks: with the boot id, identifies a process across pid reuse. */
  startTicks: number;
  rssPages: number;
}

/** Clock ticks per second (USER_HZ); 100 on every Linux build that matters. */
export const TICKS_PER_SECOND = 100;
export const PAGE_SIZE = 4096;

export function readProcStat(pid: number, procRoot = '/proc'): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`${procRoot}/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may itself contain spaces or parentheses.
  const close = text.lastIndexOf(')');
  const f = text.slice(close + 2).split(' ');
  return {
    pid,
    state: f[0]!,
    ppid: Number(f[1]),
    pgid: Number(f[2]),
    cpuTicks: Number(f[11]) + Number(f[12]),
    startTicks: Number(f[19]),
    rssPages: Number(f[21]),
  };
}

/** Alive and not a zombie (a zombie is dead; it only waits for its parent to reap it). */
export function isAlive(pid: number): boolean {
  const st = readProcStat(pid);
  return st !== undefined && st.state !== 'Z' && st.state !== 'X';
}

export function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

export function allPids(procRoot = '/proc'): number[] {
  const out: number[] = [];
  for (const name of readdirSync(procRoot)) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) out.push(Number(name));
  }
  return out;
}

/**
 * Processes whose environment has a variable starting with `prefix` (e.g. "HOLDFAST_PROCESS=shop-1a2b/"),
 * each with the rest of that variable. Descendants inherit the environment, so this finds a
 * daemonized grandchild that left the process group: how stops stay orphan-free where no cgroup
 * is available.
 */
export function processesWithEnvPrefix(prefix: string): Map<number, string> {
  const needle = Buffer.from(`\0${prefix}`);
  const out = new Map<number, string>();
  for (const pid of allPids()) {
    if (pid === process.pid) continue;
    let env: Buffer;
    try {
      env = Buffer.concat([Buffer.from([0]), readFileSync(`/proc/${pid}/environ`)]);
    } catch {
      continue;
    }
    const at = env.indexOf(needle);
    if (at < 0) continue;
    const end = env.indexOf(0, at + 1);
    if (isAlive(pid)) out.set(pid, env.subarray(at + needle.length, end < 0 ? undefined : end).toString('utf8'));
  }
  return out;
}

export function pidsWithEnvPrefix(prefix: string): number[] {
  return [...processesWithEnvPrefix(prefix).keys()];
}
