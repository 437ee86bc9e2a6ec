// The imperative shell of one program instance: feeds events into the pure state machine and
// carries out the effects it returns (spawn, signal, kill, timers, readiness and health
// watches). Events are queued, so an effect that produces an event (a spawn that fails) never
// re-enters the machine mid-transition.
import type { ChildProcess } from 'node:child_process';
import type { CgroupDriver, CgroupHandle } from '../cgroup/types.ts';
import type { Clock, Timer } from '../clock.ts';
import type { ProgramConfig } from '../config/schema.ts';
import { LivenessWatchdog } from '../health/liveness.ts';
import type { RotatingLog } from '../logs/rotating-log.ts';
import type { PidStore } from '../process/pid-store.ts';
import { HEAP_OOM_PATTERN, heapLimitAdvice } from '../process/node-heap.ts';
import { isAlive, pidsWithEnvPrefix } from '../process/proc.ts';
import { preflight } from '../process/preflight.ts';
import { GRACE_VAR, MARKER_VAR, spawnInstance, type InstanceSpec, type ListenFds } from '../process/spawn.ts';
import { killUntilEmpty } from '../cgroup/kill.ts';
import { transition } from '../state/machine.ts';
import { initialState, type Effect, type Policy, type ProcEvent, type ProcState, type TimerName } from '../state/states.ts';
import type { Logger } from '../logger.ts';
import { guarded, recordFault } from '../util/faults.ts';
import { OutputTail } from './output-tail.ts';
import { ReadinessWatch } from './readiness-watch.ts';

export interface RunnerDeps {
  clock: Clock;
  random: () => number;
  cgroups?: CgroupDriver;
  store: PidStore;
  log: Logger;
  stdout?: RotatingLog;
  stderr?: RotatingLog;
  onChange(r: InstanceRunner, prev: ProcState): void;
  onOom(r: InstanceRunner, newKills: number): void;
  /** A Node program's memory passed HEAP_GROWTH_SHARE of its heap cap (once per process). */
  onHeapGrowth?(r: InstanceRunner, memoryBytes: number, heapMiB: number): void;
  /** The program's listening sockets, asked at each spawn (they are bound after the daemon reaped what a previous run left). */
  listenFds?: () => ListenFds | undefined;
}

export function policyOf(p: ProgramConfig): Policy {
  return {
    autorestart: p.autorestart,
    exitCodes: p.exitCodes,
    startRetries: p.startRetries,
    backoff: p.backoff,
    stopSignal: p.stopSignal,
    stopTimeoutMs: p.stopTimeoutMs,
    ...(p.ready.kind === 'after' ? {} : { readyTimeoutMs: p.ready.timeoutMs }),
  };
}

const cgroupName = (id: string) => id.replace(':', '@');
/** Share of the heap cap at which a Node program's memory is reported as heap growth. */
export const HEAP_GROWTH_SHARE = 0.6;

/** Resolves when both output pipes have ended, or after `ms`. */
function drained(child: ChildProcess, ms: number): Promise<void> {
  const ended = (s: NodeJS.ReadableStream | null) =>
    s === null || (s as { readableEnded?: boolean }).readableEnded ? Promise.resolve() : new Promise<void>((r) => s.once('end', () => r()));
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    Promise.all([ended(child.stdout), ended(child.stderr)]).then(() => undefined),
    new Promise<void>((r) => (timer = setTimeout(r, ms))),
  ]).finally(() => clearTimeout(timer));
}
const RECENT_BYTES = 4096;

export class InstanceRunner {
  readonly spec: InstanceSpec;
  program: ProgramConfig;
  state: ProcState;
  cgroup: CgroupHandle | undefined;
  /**
   * Environment a start request added (e.g. the failover agent's fencing token): for the run that
   * start began, automatic restarts and `restart` included; a stop or another start ends it.
   */
  startEnv: Record<string, string> = {};
  /** Environment a start request added with `persist`: every later start too, until the daemon restarts. */
  persistentEnv: Record<string, string> = {};
  private readonly deps: RunnerDeps;
  private policy: Policy;
  private child: ChildProcess | undefined;
  private queue: ProcEvent[] = [];
  private busy = false;
  private timers = new Map<TimerName, Timer>();
  private readonly readiness: ReadinessWatch;
  private liveness: LivenessWatchdog | undefined;
  private oomSeen = 0;
  /** The generation whose heap growth was reported. */
  private heapGrowthSeen = -1;
  /** Counts spawns: a kill loop started for one process must not outlive it into the next. */
  private generation = 0;
  private exitWaiters: (() => void)[] = [];
  /** The last few KiB of the current process's output (both streams), for a failure report. */
  private readonly recent = new OutputTail(RECENT_BYTES);

  constructor(spec: InstanceSpec, program: ProgramConfig, deps: RunnerDeps) {
    this.spec = spec;
    this.program = program;
    this.deps = deps;
    this.policy = policyOf(program);
    this.state = initialState(deps.clock.now());
    this.readiness = new ReadinessWatch(spec.ready, deps.clock, () => this.send({ type: 'ready' }));
  }

  /** The last STATUS= line the program wrote on its notify fd. */
  get metricsUrl(): string | undefined {
    return this.readiness.metricsUrl;
  }

  get notifyStatus(): string | undefined {
    return this.readiness.notifyStatus;
  }

  get pid(): number | undefined {
    return this.state.pid;
  }

  /** True while a process of this instance may exist. */
  get running(): boolean {
    return this.child !== undefined;
  }

  get logs(): { stdout?: RotatingLog; stderr?: RotatingLog } {
    return { stdout: this.deps.stdout, stderr: this.deps.stderr };
  }

  /** New limits or policy from `update` that need no restart. */
  reconfigure(program: ProgramConfig): string[] {
    this.program = program;
    this.policy = policyOf(program);
    if (!this.cgroup || !this.deps.cgroups) return [];
    return this.deps.cgroups.open(cgroupName(this.spec.key), program.limits, this.spec.cwd).warnings;
  }

  send(e: ProcEvent): void {
    this.queue.push(e);
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length > 0) {
        const ev = this.queue.shift()!;
        const prev = this.state;
        const t = transition(prev, ev, { now: this.deps.clock.now(), policy: this.policy, random: this.deps.random });
        this.state = t.next;
        for (const f of t.effects) this.run(f);
        if (t.next !== prev) this.deps.onChange(this, prev);
      }
    } finally {
      this.busy = false;
    }
  }

  /** The last lines the current (or last) process wrote, stdout and stderr together, at most ~4 KiB. */
  recentOutput(lines = 20): string[] {
    return this.recent
      .text()
      .split('\n')
      .filter((l) => l.trim() !== '')
      .slice(-lines);
  }

  /** Sends `signal` to the process group (and stragglers that left it). */
  signal(signal: NodeJS.Signals): boolean {
    const pid = this.state.pid;
    if (pid === undefined) return false;
    try {
      process.kill(-pid, signal);
    } catch {}
    for (const p of this.strays(pid)) {
      try {
        process.kill(p, signal);
      } catch {}
    }
    return true;
  }

  /** Resolves once no process of this instance runs. */
  whenDown(): Promise<void> {
    if (!this.child) return Promise.resolve();
    return new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  /**
   * A Node program with a sized heap: once its cgroup's memory passes HEAP_GROWTH_SHARE of the
   * heap cap, one heap-growth event for this process (the warning before a heap-limit exit).
   */
  pollHeapGrowth(): void {
    const heapMiB = this.spec.heapMiB;
    if (heapMiB === undefined || !this.cgroup || this.child === undefined || this.heapGrowthSeen === this.generation) return;
    const used = this.cgroup.stats().memoryBytes;
    if (used !== undefined && used >= heapMiB * 2 ** 20 * HEAP_GROWTH_SHARE) {
      this.heapGrowthSeen = this.generation;
      this.deps.onHeapGrowth?.(this, used, heapMiB);
    }
  }

  /** Checks the cgroup's OOM counter (between exits: an OOM kill of a grandchild). */
  pollOom(): void {
    if (!this.cgroup) return;
    const n = this.cgroup.oomKills();
    if (n > this.oomSeen) {
      this.deps.onOom(this, n - this.oomSeen);
      this.oomSeen = n;
    }
  }

  /**
   * Every process of this instance: its cgroup, or where there is none, the processes carrying its
   * environment marker. A scan of /proc can fail when the daemon is out of descriptors: that scan
   * finds nothing (logged and counted) and the next one tries again, rather than the daemon dying.
   */
  private everyPid(): number[] {
    return guarded(
      this.deps.log,
      'listing the processes of an instance',
      () => (this.cgroup ? this.cgroup.pids() : pidsWithEnvPrefix(`${MARKER_VAR}=${this.spec.marker}\0`)),
      [],
      { instance: this.spec.id },
    );
  }

  /** Processes of this instance outside its process group (daemonized descendants). */
  private strays(pgid: number): number[] {
    return this.everyPid().filter((p) => p !== pgid && isAlive(p));
  }

  private members(): number[] {
    const pid = this.state.pid;
    return this.everyPid().filter((p) => p !== pid && isAlive(p));
  }

  private run(f: Effect): void {
    switch (f.type) {
      case 'spawn':
        return this.spawn();
      case 'signal':
        this.signal(f.signal);
        return;
      case 'kill':
        void this.killAll();
        return;
      case 'setTimer': {
        this.timers.get(f.timer)?.cancel();
        this.timers.set(
          f.timer,
          this.deps.clock.setTimeout(() => {
            this.timers.delete(f.timer);
            this.send({ type: 'timer', timer: f.timer });
          }, f.ms),
        );
        return;
      }
      case 'clearTimer':
        this.timers.get(f.timer)?.cancel();
        this.timers.delete(f.timer);
        return;
      case 'watchReady':
        return this.readiness.start();
      case 'unwatchReady':
        return this.readiness.stop();
      case 'watchHealth':
        return this.watchHealth();
      case 'unwatchHealth':
        this.liveness?.stop();
        this.liveness = undefined;
        return;
    }
  }

  private async killAll(): Promise<void> {
    const pid = this.state.pid;
    if (pid !== undefined) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {}
    }
    const gen = this.generation;
    const same = () => this.generation === gen;
    if (this.cgroup) await this.cgroup.killAll(5000, same);
    else await killUntilEmpty(() => this.everyPid(), 5000, same);
  }

  private spawn(): void {
    const why = preflight(this.spec);
    if (why) {
      this.send({ type: 'spawnFailed', error: why });
      return;
    }
    let procsFiles: string[] = [];
    if (this.deps.cgroups) {
      try {
        const { handle, warnings } = this.deps.cgroups.open(cgroupName(this.spec.key), this.program.limits, this.spec.cwd);
        for (const w of warnings) this.deps.log.warn({ instance: this.spec.id }, w);
        this.cgroup = handle;
        this.oomSeen = handle.oomKills();
        procsFiles = handle.procsFiles;
      } catch (err) {
        this.deps.log.warn({ instance: this.spec.id, err: (err as Error).message }, 'cannot create the cgroup; starting without it');
      }
    }
    let child: ChildProcess;
    const failed = (err: NodeJS.ErrnoException) =>
      this.send({
        type: 'spawnFailed',
        error: err.message,
        ...(typeof err.code === 'string' && /^E[A-Z0-9]+$/.test(err.code) ? { code: err.code } : {}),
      });
    try {
      const spawned = spawnInstance(
        {
          ...this.spec,
          env: {
            ...this.spec.env,
            [GRACE_VAR]: this.program.env[GRACE_VAR] ?? String(this.program.stopTimeoutMs),
            ...this.persistentEnv,
            ...this.startEnv,
          },
        },
        procsFiles,
        this.deps.listenFds?.(),
      );
      child = spawned.child;
      if (spawned.joinError)
        this.deps.log.error(
          { instance: this.spec.id, err: spawned.joinError },
          'could not put the process into its cgroup; it exits without running',
        );
    } catch (err) {
      failed(err as NodeJS.ErrnoException);
      return;
    }
    if (child.pid === undefined) {
      // EAGAIN, EMFILE, ENFILE, ENOMEM, ENOENT, EACCES come as an 'error' event; the machine decides what each means.
      child.once('error', failed);
      return;
    }
    const pid = child.pid;
    this.child = child;
    this.generation++;
    child.on('error', (err) => this.deps.log.warn({ instance: this.spec.id, err: err.message }, 'child process error'));
    const { stdout, stderr } = this.deps;
    this.recent.clear();
    child.stdout!.on('data', (b: Buffer) => {
      stdout?.write(b);
      this.recent.push(b);
    });
    child.stderr!.on('data', (b: Buffer) => {
      stderr?.write(b);
      this.recent.push(b);
    });
    this.readiness.attach(child);
    child.once('exit', (code, signal) => void this.onExit(child, code, signal));
    // Without the record a restarted daemon still finds this process (its cgroup, its environment
    // marker); a full state disk must not stop the program from running.
    const record = {
      id: this.spec.key,
      program: this.spec.program,
      pid,
      pgid: pid,
      marker: this.spec.marker,
      ...(this.cgroup ? { cgroup: this.cgroup.name } : {}),
      stopSignal: this.program.stopSignal,
      stopTimeoutMs: this.program.stopTimeoutMs,
    };
    guarded(this.deps.log, 'writing the pid record', () => this.deps.store.record(record), undefined, { instance: this.spec.id, pid });
    this.send({ type: 'spawned', pid });
  }

  private watchHealth(): void {
    const l = this.program.liveness;
    if (!l) return;
    const cfg = this.spec.livenessUrl !== undefined ? { ...l, http: this.spec.livenessUrl } : l;
    this.liveness = new LivenessWatchdog(cfg, this.spec.livenessPort, (detail) =>
      this.send({ type: 'unhealthy', reason: 'liveness', detail }),
    );
    this.liveness.start();
  }

  private async onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    let oom = false;
    if (this.cgroup) {
      const n = this.cgroup.oomKills();
      if (n > this.oomSeen) {
        oom = signal === 'SIGKILL' || code !== 0;
        this.deps.onOom(this, n - this.oomSeen);
        this.oomSeen = n;
      }
    }
    // V8 aborts (SIGABRT) when its heap is full, after writing why to stderr: the pipes may still
    // hold those lines when 'exit' fires, so they are read to their end first (briefly).
    let heapLimit = false;
    if (!oom && this.spec.heapMiB !== undefined && (signal === 'SIGABRT' || code === 134)) {
      await drained(child, 1000);
      heapLimit = HEAP_OOM_PATTERN.test(this.recent.text());
    }
    // Whatever fails on the way, the exit reaches the state machine: a lost exit is a program never restarted.
    try {
      await this.sweep();
    } catch (err) {
      recordFault(this.deps.log, 'bookkeeping', 'sweeping what the process left behind', err, { instance: this.spec.id });
    }
    guarded(this.deps.log, 'removing the pid record', () => this.deps.store.remove(this.spec.key), undefined, { instance: this.spec.id });
    if (this.child === child) this.child = undefined;
    for (const w of this.exitWaiters.splice(0)) w();
    const advice = heapLimit ? heapLimitAdvice(this.spec.heapMiB!, this.program.limits?.memory) : undefined;
    this.send({ type: 'exit', code, signal, oom, ...(advice ? { heapLimit, detail: advice } : {}) });
  }

  /**
   * The main process is gone; anything it left behind (workers, a daemonized grandchild) goes
   * too, before a restart could run a second copy: the stop signal first, SIGKILL at the deadline.
   */
  private async sweep(): Promise<void> {
    let left = this.members();
    if (left.length === 0) return;
    const stopping = this.state.state === 'STOPPING';
    if (!stopping) {
      for (const p of left) {
        try {
          process.kill(p, this.program.stopSignal);
        } catch {}
      }
    }
    const deadline = (stopping ? this.state.since : this.deps.clock.now()) + this.program.stopTimeoutMs;
    while (left.length > 0 && this.deps.clock.now() < deadline && this.state.killedAt === undefined) {
      await new Promise((r) => setTimeout(r, 20));
      left = this.members();
    }
    if (left.length > 0) {
      this.deps.log.warn({ instance: this.spec.id, pids: left }, 'processes left behind after the main process exited: killing them');
      if (this.cgroup) await this.cgroup.killAll();
      else await killUntilEmpty(() => this.members());
    }
  }
}
