// A daemon that starts where a previous one died (SIGKILL, OOM, a crash) finds what that one
// left running: the pid records on disk (checked against start time and boot id, so a recycled
// pid is never touched), this daemon's cgroups, and processes carrying its environment marker.
// They are stopped the way their program says (stop signal, then SIGKILL after the timeout)
// before anything new starts: no duplicates, no orphans.
import { setTimeout as delay } from 'node:timers/promises';
import type { CgroupDriver } from '../cgroup/types.ts';
import { killUntilEmpty } from '../cgroup/kill.ts';
import type { ResolvedConfig } from '../config/load.ts';
import type { Logger } from '../logger.ts';
import type { PidStore } from '../process/pid-store.ts';
import { isAlive, pidsWithEnvPrefix, readProcStat } from '../process/proc.ts';
import { MARKER_VAR } from '../process/spawn.ts';

export async function reapLeftovers(store: PidStore, cgroups: CgroupDriver | undefined, config: ResolvedConfig, log: Logger): Promise<number[]> {
  const records = store.all();
  const cgroupNames = cgroups?.leftovers() ?? [];
  const handles = cgroupNames.map((n) => cgroups!.attach(n));
  const find = () => [...new Set([...handles.flatMap((h) => h.pids()), ...pidsWithEnvPrefix(`${MARKER_VAR}=${config.id}/`)])].filter((p) => p !== process.pid && isAlive(p));
  let timeoutMs = 0;
  const signalled = new Set<number>();
  for (const r of records) {
    const stopTimeoutMs = config.programs[r.program]?.stopTimeoutMs ?? r.stopTimeoutMs;
    if (!store.isSameProcess(r)) continue;
    timeoutMs = Math.max(timeoutMs, stopTimeoutMs);
    log.warn({ instance: r.id, pid: r.pid }, 'a previous daemon left this instance running: stopping it');
    try {
      process.kill(-r.pgid, (config.programs[r.program]?.stopSignal ?? r.stopSignal) as NodeJS.Signals);
      signalled.add(r.pgid);
    } catch {}
  }
  const found = find();
  if (found.length > 0) {
    timeoutMs ||= 10_000;
    for (const p of found) {
      if (signalled.has(readProcStat(p)?.pgid ?? -1)) continue;
      try {
        process.kill(p, 'SIGTERM');
      } catch {}
    }
  }
  const all = new Set(found);
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const left = find();
    left.forEach((p) => all.add(p));
    if (left.length === 0) break;
    await delay(25);
  }
  for (const p of await killUntilEmpty(find)) all.add(p);
  for (const h of handles) h.remove();
  store.clear();
  return [...all];
}
