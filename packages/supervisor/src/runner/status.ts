// Status of one instance as the API shows it: state, timings, counters, CPU and memory (from
// the cgroup when there is one, else the main process in /proc), log health.
import type { ExitSummary, InstanceStatus, LogStreamStatus } from '../api/types.ts';
import type { RotatingLog } from '../logs/rotating-log.ts';
import { PAGE_SIZE, readProcStat, TICKS_PER_SECOND } from '../process/proc.ts';
import type { ExitInfo } from '../state/states.ts';
import type { InstanceRunner } from './instance-runner.ts';

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

export function exitSummary(x: ExitInfo | undefined): ExitSummary | null {
  if (!x) return null;
  return { code: x.code, signal: x.signal, reason: x.reason, at: new Date(x.at).toISOString(), ...(x.detail ? { detail: x.detail } : {}) };
}

function logStatus(l: RotatingLog | undefined): LogStreamStatus {
  return { file: l?.file ?? null, droppedBytes: l?.droppedBytes ?? 0, error: l?.lastError ?? l?.compressionError ?? null };
}

/** CPU samples per instance, to turn cumulative CPU time into a percentage between two reads. */
const samples = new WeakMap<InstanceRunner, { at: number; cpuUsec: number; pid: number }>();

function usage(r: InstanceRunner, now: number): { cpuSeconds: number | null; cpuPercent: number | null; memoryBytes: number | null } {
  const pid = r.pid;
  if (pid === undefined) return { cpuSeconds: null, cpuPercent: null, memoryBytes: null };
  let cpuUsec: number | undefined;
  let memoryBytes: number | undefined;
  if (r.cgroup) ({ cpuUsec, memoryBytes } = r.cgroup.stats());
  if (cpuUsec === undefined || memoryBytes === undefined) {
    const st = readProcStat(pid);
    cpuUsec ??= st ? (st.cpuTicks * 1e6) / TICKS_PER_SECOND : undefined;
    memoryBytes ??= st ? st.rssPages * PAGE_SIZE : undefined;
  }
  if (cpuUsec === undefined) return { cpuSeconds: null, cpuPercent: null, memoryBytes: memoryBytes ?? null };
  const prev = samples.get(r);
  const since = prev && prev.pid === pid ? prev : { at: r.state.startedAt ?? now, cpuUsec: 0 };
  const elapsedMs = now - since.at;
  const cpuPercent = elapsedMs > 0 ? Math.max(0, Math.round(((cpuUsec - since.cpuUsec) / 1000 / elapsedMs) * 1000) / 10) : 0;
  samples.set(r, { at: now, cpuUsec, pid });
  return { cpuSeconds: Math.round(cpuUsec / 1e4) / 100, cpuPercent, memoryBytes: memoryBytes ?? null };
}

export function instanceStatus(
  r: InstanceRunner,
  now: number,
  group: string | null,
  waitingFor: string[],
  role: 'new' | 'old' | null = null,
): InstanceStatus {
  const s = r.state;
  const up = s.state === 'STARTING' || s.state === 'READY' || s.state === 'STOPPING';
  return {
    id: r.spec.id,
    key: r.spec.key,
    program: r.spec.program,
    index: r.spec.index,
    group,
    state: s.state,
    pid: s.pid ?? null,
    since: new Date(s.since).toISOString(),
    startedAt: up ? iso(s.startedAt) : null,
    readyAt: s.state === 'READY' ? iso(s.readyAt) : null,
    uptimeMs: up && s.startedAt !== undefined ? Math.round(now - s.startedAt) : null,
    restarts: s.restarts,
    failedStarts: s.failedStarts,
    oomKills: s.oomKills,
    lastExit: exitSummary(s.lastExit),
    fatalReason: s.fatalReason ?? null,
    retryAt: iso(s.retryAt),
    waitingFor,
    ...usage(r, now),
    logs: { stdout: logStatus(r.logs.stdout), stderr: logStatus(r.logs.stderr) },
    notifyStatus: r.notifyStatus ?? null,
    metricsUrl: r.pid !== undefined ? (r.metricsUrl ?? null) : null,
    role,
  };
}
