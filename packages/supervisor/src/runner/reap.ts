// A daemon that starts where a previous one died (SIGKILL, OOM, a crash) finds what that one
// left running: the pid records on disk (checked against start time and boot id, so a recycled
// pid is never touched), this daemon's cgroups, and processes carrying its environment marker.
// Each is stopped the way its program says (its stop signal, SIGKILL after its stop timeout)
// before anything new starts: no duplicates, no orphans.
import { setTimeout as delay } from 'node:timers/promises';
import type { CgroupDriver } from '../cgroup/types.ts';
import { killUntilEmpty } from '../cgroup/kill.ts';
import type { ResolvedConfig } from '../config/load.ts';
import type { Logger } from '../logger.ts';
import type { PidStore } from '../process/pid-store.ts';
import { isAlive, processesWithEnvPrefix, readProcStat } from '../process/proc.ts';
import { MARKER_VAR } from '../process/spawn.ts';

export async function reapLeftovers(
  store: PidStore,
  cgroups: CgroupDriver | undefined,
  config: ResolvedConfig,
  log: Logger,
): Promise<number[]> {
  const records = store.all();
  const handles = (cgroups?.leftovers() ?? []).map((n) => cgroups!.attach(n));
  const programOf = (instance: string) => instance.split(/[:@~]/)[0]!;
  const stopOf = (program: string, fallback = 10_000) => ({
    signal: (config.programs[program]?.stopSignal ?? 'SIGTERM') as NodeJS.Signals,
    timeoutMs: config.programs[program]?.stopTimeoutMs ?? fallback,
  });
  /** Every leftover process, with the program it belonged to. */
  const find = (): Map<number, string> => {
    const found = new Map<number, string>();
    for (const h of handles) for (const p of h.pids()) if (p !== process.pid && isAlive(p)) found.set(p, programOf(h.name));
    for (const [p, marker] of processesWithEnvPrefix(`${MARKER_VAR}=${config.id}/`)) found.set(p, programOf(marker));
    return found;
  };
  const now = performance.now();
  const deadline = new Map<number, number>();
  const signalled = new Set<number>();
  for (const r of records) {
    if (!store.isSameProcess(r)) continue;
    const { signal, timeoutMs } = stopOf(r.program, r.stopTimeoutMs);
    log.warn({ instance: r.id, pid: r.pid }, 'a previous daemon left this instance running: stopping it');
    try {
      process.kill(-r.pgid, signal);
      signalled.add(r.pgid);
    } catch {}
    deadline.set(r.pid, now + timeoutMs);
  }
  const all = new Set<number>();
  for (const [p, program] of find()) {
    all.add(p);
    const { signal, timeoutMs } = stopOf(program);
    if (!deadline.has(p)) deadline.set(p, now + timeoutMs);
    if (signalled.has(readProcStat(p)?.pgid ?? -1)) continue;
    try {
      process.kill(p, signal);
    } catch {}
  }
  // Each process gets its own program's stop timeout, then SIGKILL.
  for (;;) {
    const left = find();
    if (left.size === 0) break;
    const t = performance.now();
    for (const [p, program] of left) {
      all.add(p);
      if (!deadline.has(p)) deadline.set(p, t + stopOf(program).timeoutMs);
      if (t >= deadline.get(p)!) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {}
      }
    }
    await delay(25);
  }
  for (const p of await killUntilEmpty(() => [...find().keys()])) all.add(p);
  for (const h of handles) await h.remove();
  store.clear();
  return [...all];
}
