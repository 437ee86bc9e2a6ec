// The supervisor's own view of its programs as incident signals: a crash loop (automatic restarts
// piling up within a window), FATAL (it gave up), an OOM kill, a liveness failure. Fed every
// change of an instance's state (the runner's 'change', which also sees a restart that goes
// straight from STARTING to STARTING and so never shows as a state event); pure apart from the
// time passed in.
import type { Signal } from '@holdfast/insight';
import type { ExitInfo, ProcState } from '../state/states.ts';

export interface CrashLoopPolicy {
  restarts: number;
  windowMs: number;
}

/** What ProgramSignals needs of an instance: its ids and its state-machine state. */
export interface InstanceView {
  spec: { id: string; key: string; program: string };
  state: Pick<ProcState, 'state' | 'restarts' | 'lastExit' | 'fatalReason'>;
}

const describeExit = (x: ExitInfo) =>
  x.reason === 'exited'
    ? `exit code ${x.code}`
    : x.reason === 'signal'
      ? `killed by ${x.signal}`
      : x.reason === 'oom'
        ? 'OOM-killed'
        : x.detail
          ? `${x.reason}: ${x.detail}`
          : x.reason;

interface Seen {
  state: string;
  restarts: number;
  exitAt: number | undefined;
  /** Automatic restarts within the window (times, ms). */
  recent: number[];
}

export class ProgramSignals {
  private readonly policy: CrashLoopPolicy;
  private readonly seen = new Map<string, Seen>();

  constructor(policy: CrashLoopPolicy) {
    this.policy = policy;
  }

  /** The signals one change of an instance means (usually none). */
  change(r: InstanceView, now: number): Signal[] {
    const s = r.state;
    const id = r.spec.id;
    const program = r.spec.program;
    const prev = this.seen.get(r.spec.key) ?? { state: 'STOPPED', restarts: s.restarts, exitAt: s.lastExit?.at, recent: [] };
    const out: Signal[] = [];
    const x = s.lastExit;
    const newExit = x !== undefined && x.at !== prev.exitAt;
    if (s.state === 'FATAL' && prev.state !== 'FATAL') {
      out.push({
        kind: 'program.fatal',
        at: now,
        summary: `${id} is FATAL: ${s.fatalReason ?? 'it gave up restarting'}`,
        program,
        instance: id,
        ...(x ? { details: { lastExit: x } } : {}),
      });
    }
    if (newExit && x.reason === 'liveness')
      out.push({
        kind: 'program.liveness',
        at: now,
        summary: `${id} failed its liveness probe and was restarted${x.detail ? ` (${x.detail})` : ''}`,
        program,
        instance: id,
      });
    // A restart the supervisor did by itself (a manual restart ends with reason 'stopped').
    if (s.restarts > prev.restarts && x && x.reason !== 'stopped' && x.reason !== 'stop-timeout') {
      prev.recent = prev.recent.filter((t) => t > now - this.policy.windowMs);
      prev.recent.push(now);
      if (prev.recent.length >= this.policy.restarts) {
        out.push({
          kind: 'program.crash_loop',
          at: now,
          summary:
            `${id} ` +
            `restarted ${prev.recent.length} times ` +
            `within ${Math.round(this.policy.windowMs / 1000)} s ` +
            `(last: ${describeExit(x)})`,
          program,
          instance: id,
          details: { restarts: prev.recent.length, lastExit: x },
        });
      }
    }
    if (s.state === 'STOPPED') prev.recent = [];
    this.seen.set(r.spec.key, { state: s.state, restarts: s.restarts, exitAt: x?.at, recent: prev.recent });
    return out;
  }

  /** An OOM kill in the instance's cgroup (the supervisor's 'oom' event). */
  oom(instance: string, program: string, kills: number, now: number): Signal {
    return {
      kind: 'program.oom',
      at: now,
      summary: `${instance} was killed by the OOM killer (its cgroup memory limit); ${kills} kill(s) so far`,
      program,
      instance,
      details: { kills },
    };
  }

  /** An instance that is gone for good (removed by an update, replaced by a reload). */
  forget(key: string): void {
    this.seen.delete(key);
  }
}
