// Where no cgroup can hold a memory limit, the limit is enforced by polling: every pollMs (1 s
// at most) one pass over /proc sums resident memory per process group, and an instance past its
// limit is restarted (reason memory-limit). PM2 does this every 30 s; a leak can do a lot in 30 s.
import type { Logger } from '../logger.ts';
import { allPids, PAGE_SIZE, readProcStat } from '../process/proc.ts';
import { guarded } from '../util/faults.ts';
import type { InstanceRunner } from './instance-runner.ts';

export function rssByProcessGroup(): Map<number, number> {
  const m = new Map<number, number>();
  for (const pid of allPids()) {
    const st = readProcStat(pid);
    if (st && st.state !== 'Z') m.set(st.pgid, (m.get(st.pgid) ?? 0) + st.rssPages * PAGE_SIZE);
  }
  return m;
}

export class MemoryPoller {
  private timer: NodeJS.Timeout | undefined;
  private readonly runners: () => InstanceRunner[];
  private readonly periodMs: number;
  private readonly log: Logger;

  constructor(runners: () => InstanceRunner[], periodMs: number, log: Logger) {
    this.runners = runners;
    this.periodMs = periodMs;
    this.log = log;
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.periodMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  tick(): void {
    const limited = this.runners().filter(
      (r) => r.program.limits?.memory !== undefined && r.pid !== undefined && (r.state.state === 'READY' || r.state.state === 'STARTING'),
    );
    if (limited.length === 0) return;
    // Out of descriptors, /proc cannot be listed: this pass is skipped (logged, counted), the next one tries again.
    const rss = guarded(this.log, 'reading memory use from /proc', rssByProcessGroup, undefined);
    if (!rss) return;
    for (const r of limited) {
      const used = rss.get(r.pid!) ?? 0;
      const limit = r.program.limits!.memory!;
      if (used > limit) {
        this.log.warn({ instance: r.spec.id, rssBytes: used, limitBytes: limit }, 'memory limit exceeded (polled): restarting');
        r.send({ type: 'unhealthy', reason: 'memory-limit', detail: `resident memory ${used} bytes is past the limit of ${limit} bytes` });
      }
    }
  }
}
