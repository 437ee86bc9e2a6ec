import { setTimeout as delay } from 'node:timers/promises';
import { isAlive } from '../process/proc.ts';

/**
 * SIGKILLs what `list()` returns until it returns nothing alive: a process killed mid-fork can
 * leave a new child behind, so one pass is not enough. Resolves with every pid it killed.
 */
export async function killUntilEmpty(list: () => number[], timeoutMs = 5000, keepGoing: () => boolean = () => true): Promise<number[]> {
  const killed = new Set<number>();
  const deadline = performance.now() + timeoutMs;
  // keepGoing: a restarted program's new process joins the same cgroup; the sweep of the old one must end before it does.
  while (keepGoing()) {
    const alive = list().filter((p) => p !== process.pid && isAlive(p));
    if (alive.length === 0) return [...killed];
    for (const pid of alive) {
      try {
        process.kill(pid, 'SIGKILL');
        killed.add(pid);
      } catch {}
    }
    if (performance.now() > deadline) return [...killed];
    await delay(10);
  }
  return [...killed];
}
