// All programs of one config: instances and their runners, start order (dependsOn, priority),
// stop order (the reverse), targets (program, instance, group, all), `update`, status and the
// event stream. The control API and the daemon are thin layers over this class.
import { EventEmitter } from 'node:events';
import type { ActionOptions, ActionResult, InstanceStatus, ReloadResult, SupervisorEvent, UpdateResult } from '../api/types.ts';
import { detectCgroups } from '../cgroup/detect.ts';
import type { CgroupDetection, CgroupDriver } from '../cgroup/types.ts';
import { systemClock, type Clock } from '../clock.ts';
import type { ResolvedConfig } from '../config/load.ts';
import { FAILOVER_TERM_VARS, forbiddenOverride } from '../config/env-rules.ts';
import type { ProgramConfig } from '../config/schema.ts';
import { SupervisorError } from '../errors.ts';
import { silentLogger, type Logger } from '../logger.ts';
import { closeInstanceLogs, openInstanceLogs, type InstanceLogs } from '../logs/sinks.ts';
import { PidStore } from '../process/pid-store.ts';
import { instanceSpec } from '../process/spawn.ts';
import { listenSpecs, SocketPool } from '../sockets/pool.ts';
import type { ProcState } from '../state/states.ts';
import { diffConfigs } from './diff.ts';
import { InstanceRunner } from './instance-runner.ts';
import { MemoryPoller } from './memory-poll.ts';
import { byPriority, dependencyMap, stopWaves, withDependencies } from './order.ts';
import { reapLeftovers } from './reap.ts';
import { RollingReload, type ReloadOptions } from './rolling-reload.ts';
import { waitUntil } from './settle.ts';
import { exitSummary, instanceStatus } from './status.ts';
import { resolveTargets, type Targets } from './targets.ts';
import { guarded } from '../util/faults.ts';

export interface SupervisorOptions {
  clock?: Clock;
  random?: () => number;
  log?: Logger;
  /** Injected detection (tests); default: detect from config.supervisor.cgroups. */
  cgroups?: CgroupDetection;
  baseEnv?: NodeJS.ProcessEnv;
}

interface Slot {
  runner: InstanceRunner;
  logs: InstanceLogs;
  /** Replacements so far (rolling reloads): names the next one's key. */
  generation: number;
}

interface Program {
  config: ProgramConfig;
  instances: Slot[];
  /** During a rolling reload: replacements not yet in their slot ('new') and instances draining ('old'). */
  extra: Map<InstanceRunner, 'new' | 'old'>;
}

const SETTLED = new Set(['READY', 'EXITED', 'FATAL', 'STOPPED']);
const DOWN = new Set(['STOPPED', 'EXITED', 'FATAL']);

/** The 2-second cgroup poll: OOM kills, and heap growth of Node programs with a sized heap. */
const pollMemory = (r: InstanceRunner) => {
  r.pollOom();
  r.pollHeapGrowth();
};

export class Supervisor extends EventEmitter {
  config: ResolvedConfig;
  readonly cgroups: CgroupDriver | undefined;
  readonly cgroupReason: string | undefined;
  readonly store: PidStore;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly log: Logger;
  private readonly baseEnv: NodeJS.ProcessEnv;
  private programs = new Map<string, Program>();
  private deps: Map<string, Set<string>>;
  /** Programs asked to start, waiting for their dependencies to be READY. */
  private wanted = new Set<string>();
  private manualStart = new Set<string>();
  private poller: MemoryPoller | undefined;
  private oomTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Nothing starts before what a previous daemon left behind is gone (no duplicates). */
  private reaped = false;
  private reaping: Promise<void> | undefined;
  /** Listening sockets the programs' instances share (listen:). */
  readonly sockets = new SocketPool();
  private reloads = new Map<string, RollingReload>();

  constructor(config: ResolvedConfig, opts: SupervisorOptions = {}) {
    super();
    this.setMaxListeners(0);
    this.config = config;
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.log = opts.log ?? silentLogger;
    this.baseEnv = opts.baseEnv ?? process.env;
    const mode = config.supervisor.cgroups.mode;
    const detection: CgroupDetection =
      opts.cgroups ??
      (mode === 'off'
        ? { driver: undefined, reason: 'cgroups are off in the config (supervisor.cgroups.mode)' }
        : detectCgroups({ root: config.supervisor.cgroups.root, daemonId: config.id }));
    this.cgroups = detection.driver;
    this.cgroupReason = detection.driver ? undefined : detection.reason;
    if (!this.cgroups && mode === 'required')
      throw new SupervisorError('HOLDFAST_E_CGROUP', `${this.cgroupReason}; supervisor.cgroups.mode is 'required'`);
    this.store = new PidStore(config.supervisor.stateDir);
    this.deps = dependencyMap(config.programs, config.groups);
    for (const [name, p] of Object.entries(config.programs)) this.programs.set(name, this.build(name, p));
  }

  /** Reaps what a previous daemon left running, then starts the autostart programs. */
  async start(): Promise<void> {
    this.reaping = reapLeftovers(this.store, this.cgroups, this.config, this.log).then((pids) => {
      if (pids.length) this.log.warn({ pids }, 'reaped processes left by a previous run of this daemon');
      this.reaped = true;
    });
    await this.reaping;
    // Bound after the reap: a previous daemon's instances may still have held the ports.
    for (const [name, p] of this.programs) if (p.config.listen) await this.sockets.bind(name, listenSpecs(name, p.config.listen));
    if (this.cgroups) {
      this.oomTimer = setInterval(
        () => guarded(this.log, 'checking the cgroups for OOM kills and heap use', () => this.eachRunner(pollMemory), undefined),
        2000,
      );
      this.oomTimer.unref();
    }
    this.refreshPoller();
    for (const [name, p] of this.programs) if (p.config.autostart) this.wanted.add(name);
    this.pump();
  }

  private build(name: string, config: ProgramConfig): Program {
    const prog: Program = { config, instances: [], extra: new Map() };
    for (let i = 0; i < config.instances; i++) prog.instances.push(this.buildInstance(name, config, i));
    return prog;
  }

  /** `shared`: the log files of the slot a replacement takes over (one writer per file, never two). */
  private buildInstance(name: string, config: ProgramConfig, index: number, generation = 0, shared?: InstanceLogs): Slot {
    const spec = instanceSpec(this.config.id, name, config, index, this.baseEnv, generation, this.config.supervisor.socket);
    const logs = shared ?? openInstanceLogs(this.config.supervisor.logDir, name, index, config.instances, config.logs);
    const runner = new InstanceRunner(spec, config, {
      clock: this.clock,
      random: this.random,
      ...(this.cgroups ? { cgroups: this.cgroups } : {}),
      store: this.store,
      log: this.log,
      ...logs,
      listenFds: () => this.sockets.fds(name),
      onChange: (r, prev) => this.onChange(r, prev),
      onHeapGrowth: (r, memoryBytes, heapMiB) => {
        const limitBytes = r.program.limits?.memory ?? null;
        this.log.warn(
          { instance: r.spec.id, memoryBytes, heapMiB, limitBytes },
          `${r.spec.id}: memory ` +
            `at ${Math.round(memoryBytes / 2 ** 20)} MiB, past 60% of ` +
            `its ${heapMiB} MiB heap cap: ` +
            `the heap is growing towards its limit`,
        );
        this.emit('event', {
          type: 'heap-growth',
          instance: r.spec.id,
          program: r.spec.program,
          memoryBytes,
          heapMiB,
          limitBytes,
          at: new Date().toISOString(),
        } satisfies SupervisorEvent);
      },
      onOom: (r, kills) => {
        this.log.warn({ instance: r.spec.id, kills }, 'OOM kill in the cgroup (memory limit reached)');
        this.emit('event', {
          type: 'oom',
          instance: r.spec.id,
          program: r.spec.program,
          kills,
          at: new Date().toISOString(),
        } satisfies SupervisorEvent);
      },
    });
    return { runner, logs, generation };
  }

  private onChange(r: InstanceRunner, prev: ProcState): void {
    const s = r.state;
    if (s.state !== prev.state) {
      const level =
        s.state === 'FATAL' ? 'error' : s.state === 'BACKOFF' || (s.state === 'STARTING' && prev.state === 'READY') ? 'warn' : 'info';
      this.log[level](
        { instance: r.spec.id, from: prev.state, to: s.state, pid: s.pid, lastExit: s.lastExit, fatalReason: s.fatalReason },
        `${r.spec.id} ${prev.state} → ${s.state}`,
      );
      const event: SupervisorEvent = {
        type: 'state',
        instance: r.spec.id,
        key: r.spec.key,
        program: r.spec.program,
        from: prev.state,
        to: s.state,
        at: new Date().toISOString(),
        pid: s.pid ?? null,
        lastExit: exitSummary(s.lastExit),
        fatalReason: s.fatalReason ?? null,
      };
      this.emit('event', event);
    }
    this.emit('change', r);
    if (s.state === 'READY' || s.state === 'EXITED') this.pump();
  }

  private eachRunner(fn: (r: InstanceRunner) => void): void {
    // No array per call: this runs every 2 s for the OOM check.
    for (const p of this.programs.values()) {
      for (const i of p.instances) fn(i.runner);
      for (const r of p.extra.keys()) fn(r);
    }
  }

  /** Every instance, including a rolling reload's replacements and draining ones. */
  runners(): InstanceRunner[] {
    return [...this.programs.values()].flatMap((p) => [...p.instances.map((i) => i.runner), ...p.extra.keys()]);
  }

  /** A dependency counts as met when every instance is READY, or finished successfully. */
  private depMet(name: string): boolean {
    const p = this.programs.get(name);
    if (!p) return true;
    return p.instances.every(
      ({ runner: r }) =>
        r.state.state === 'READY' ||
        (r.state.state === 'EXITED' && r.state.lastExit?.reason === 'exited' && p.config.exitCodes.includes(r.state.lastExit.code ?? -1)),
    );
  }

  waitingFor(name: string): string[] {
    if (!this.wanted.has(name)) return [];
    return [...(this.deps.get(name) ?? [])].filter((d) => !this.depMet(d));
  }

  private want(name: string, manual: boolean): void {
    this.wanted.add(name);
    if (manual) this.manualStart.add(name);
  }

  /** Starts every wanted program whose dependencies are met, in priority order. */
  private pump(): void {
    if (this.closed || !this.reaped) return;
    const ready = [...this.wanted]
      .filter((n) => this.waitingFor(n).length === 0)
      .sort(byPriority(this.config.programs, this.config.groups));
    for (const name of ready) {
      this.wanted.delete(name);
      const manual = this.manualStart.delete(name);
      for (const { runner } of this.programs.get(name)?.instances ?? []) runner.send({ type: 'start', manual });
    }
    // Waits re-check now: a program that was READY already changes no state when it stops waiting.
    if (ready.length) this.emit('wanted');
  }

  /** A wanted program whose dependency gave up (FATAL): it cannot start until someone starts that again. */
  private blocked(name: string): boolean {
    return this.waitingFor(name).some((d) => this.programs.get(d)?.instances.some(({ runner }) => runner.state.state === 'FATAL'));
  }

  /** Resolves targets ('web', 'web:1', a group, 'all') to programs and instances. */
  resolve(targets: string[]): Targets {
    const byProgram = new Map([...this.programs].map(([name, p]) => [name, p.instances.map((i) => i.runner)]));
    return resolveTargets(targets, byProgram, this.config.groups, this.config.file);
  }

  private async settle(instances: InstanceRunner[], opts: ActionOptions, done: (r: InstanceRunner) => boolean): Promise<ActionResult> {
    const late = opts.wait === false ? [] : await waitUntil(this, instances, done, opts.timeoutMs ?? 60_000);
    const now = this.clock.now();
    return { instances: instances.map((r) => this.statusOf(r, now)), timedOut: late.map((r) => r.spec.id) };
  }

  /**
   * Starts targets and what they depend on; a manual start bypasses the retry limit. `env` sets
   * only names each program declares in envOverridable (and the failover agent's term variables),
   * for this start only unless `persist`; anything else refuses the whole request.
   */
  async startTargets(
    targets: string[],
    opts: ActionOptions & { env?: Record<string, string>; persist?: boolean } = {},
  ): Promise<ActionResult> {
    const { instances } = this.resolve(targets);
    if (opts.env) this.checkEnvOverride(instances, opts.env);
    await this.reaping;
    for (const r of instances) {
      if (opts.env && opts.persist) r.persistentEnv = { ...r.persistentEnv, ...opts.env };
      else if (opts.env) r.startEnv = { ...opts.env };
      // A fresh start of a stopped instance begins a new run: the previous start's override is gone.
      else if (DOWN.has(r.state.state)) r.startEnv = {};
    }
    const names = new Set(instances.map((r) => r.spec.program));
    for (const dep of withDependencies(names, this.deps)) {
      if (names.has(dep)) continue;
      if (this.programs.get(dep)!.instances.some(({ runner }) => DOWN.has(runner.state.state))) this.want(dep, true);
    }
    const whole = [...names].filter((n) => this.programs.get(n)!.instances.every((i) => instances.includes(i.runner)));
    for (const n of whole) this.want(n, true);
    // A single instance of a multi-instance program starts on its own (its dependencies still first).
    const single = instances.filter((r) => !whole.includes(r.spec.program));
    this.pump();
    for (const r of single) r.send({ type: 'start', manual: true });
    // Done once each instance settled and is no longer waiting for its dependencies, or waits
    // for one that gave up (FATAL: it will not come up by itself, the answer says so).
    return this.settle(
      instances,
      opts,
      (r) => (SETTLED.has(r.state.state) && !this.wanted.has(r.spec.program)) || this.blocked(r.spec.program),
    );
  }

  private checkEnvOverride(instances: InstanceRunner[], env: Record<string, string>): void {
    const problems: string[] = [];
    for (const program of new Set(instances.map((r) => r.spec.program))) {
      const allowed = this.programs.get(program)?.config.envOverridable ?? [];
      for (const name of Object.keys(env)) {
        const why = forbiddenOverride(name);
        if (why) problems.push(`${name}: ${why}; a start request may never set it`);
        else if (!allowed.includes(name) && !FAILOVER_TERM_VARS.includes(name)) {
          problems.push(
            `${name} is not overridable for ` +
              `'${program}' ` +
              `(${
                allowed.length ? `it ` + `declares ${allowed.join(', ')}` : 'it declares none'
              }): add it to programs.${program}.envOverridable in ${this.config.file}`,
          );
        }
      }
    }
    if (problems.length)
      throw new SupervisorError('HOLDFAST_E_ENV_REFUSED', `the start was refused, nothing started: ${[...new Set(problems)].join('; ')}`, {
        problems,
      });
  }

  /** Stops targets, dependents before what they depend on. */
  async stopTargets(targets: string[], opts: ActionOptions = {}): Promise<ActionResult> {
    const { instances } = this.resolve(targets);
    // A stop ends the run a start began, and the environment that start added with it.
    for (const r of instances) r.startEnv = {};
    for (const r of instances) this.reloads.get(r.spec.program)?.abort(`${r.spec.program} was stopped during the reload`);
    const byProgram = new Map<string, InstanceRunner[]>();
    for (const r of instances) byProgram.set(r.spec.program, [...(byProgram.get(r.spec.program) ?? []), r]);
    for (const n of byProgram.keys()) {
      this.wanted.delete(n);
      this.manualStart.delete(n);
    }
    const run = async () => {
      for (const wave of stopWaves(byProgram.keys(), this.deps, this.config.programs, this.config.groups)) {
        const rs = wave.flatMap((n) => byProgram.get(n)!);
        for (const r of rs) r.send({ type: 'stop' });
        await Promise.all(rs.map((r) => r.whenDown()));
      }
    };
    if (opts.wait === false) {
      void run();
      return this.settle(instances, opts, () => true);
    }
    await run();
    return this.settle(instances, opts, (r) => DOWN.has(r.state.state));
  }

  async restartTargets(targets: string[], opts: ActionOptions = {}): Promise<ActionResult> {
    const { instances } = this.resolve(targets);
    this.refuseWhileReloading(
      instances.map((r) => r.spec.program),
      'restart',
    );
    await this.reaping;
    for (const r of instances) r.send({ type: 'restart' });
    return this.settle(instances, opts, (r) => SETTLED.has(r.state.state));
  }

  signalTargets(targets: string[], signal: NodeJS.Signals): string[] {
    return this.resolve(targets)
      .instances.filter((r) => r.signal(signal))
      .map((r) => r.spec.id);
  }

  statusOf(r: InstanceRunner, now = this.clock.now()): InstanceStatus {
    const group = Object.entries(this.config.groups).find(([, g]) => g.programs.includes(r.spec.program))?.[0] ?? null;
    return instanceStatus(r, now, group, this.waitingFor(r.spec.program), this.programs.get(r.spec.program)?.extra.get(r) ?? null);
  }

  status(): InstanceStatus[] {
    const now = this.clock.now();
    return this.runners().map((r) => this.statusOf(r, now));
  }

  findInstance(id: string): { runner: InstanceRunner; logs: InstanceLogs } | undefined {
    for (const p of this.programs.values()) for (const i of p.instances) if (i.runner.spec.id === id) return i;
    return undefined;
  }

  private refuseWhileReloading(programs: Iterable<string>, what: string): void {
    for (const p of programs) {
      if (this.reloads.has(p))
        throw new SupervisorError(
          'HOLDFAST_E_BUSY',
          `a rolling reload of '${p}' is under way: wait for it to end before '${what}' (or stop '${p}', which ends the reload)`,
          { program: p },
        );
    }
  }

  /**
   * Rolling reload of one program: start-before-stop, each new instance gated on its readiness
   * (see rolling-reload.ts). Unknown, stopped or already reloading programs are refused and
   * nothing changes.
   */
  async reload(program: string, opts: ReloadOptions = {}): Promise<ReloadResult> {
    const p = this.programs.get(program);
    if (!p) {
      const { instances } = this.resolve([program]);
      const kind = program in this.config.groups ? 'a group' : 'an instance';
      throw new SupervisorError(
        'HOLDFAST_E_UNKNOWN_PROGRAM',
        `'${program}' ` +
          `is ${kind}, not a program: reload takes one program ` +
          `(${[...new Set(instances.map((r) => r.spec.program))].join(', ')})`,
        { target: program },
      );
    }
    this.refuseWhileReloading([program], 'reload');
    await this.reaping;
    // Stopped (or still waiting for its dependencies): there is nothing to replace.
    if (this.wanted.has(program) || p.instances.every(({ runner }) => DOWN.has(runner.state.state))) {
      const states = p.instances.map(({ runner }) => `${runner.spec.id} ${runner.state.state}`).join(', ');
      throw new SupervisorError(
        'HOLDFAST_E_NOT_RUNNING',
        `'${program}' is not running (${states}): start it with 'holdfast start ${program}'; reload replaces running instances`,
        { program },
      );
    }
    const host = {
      slots: () => p.instances,
      config: () => p.config,
      replacement: (_: string, slot: Slot) => {
        slot.generation++;
        const next = this.buildInstance(program, p.config, slot.runner.spec.index, slot.generation, slot.logs);
        p.extra.set(next.runner, 'new');
        return next.runner;
      },
      adopt: (_: string, slot: Slot, runner: InstanceRunner) => {
        slot.runner = runner;
        p.extra.delete(runner);
        this.emit('change', runner);
      },
      retiring: (_: string, runner: InstanceRunner) => {
        p.extra.set(runner, 'old');
      },
      forget: async (_: string, runner: InstanceRunner) => {
        p.extra.delete(runner);
        await runner.cgroup?.remove();
      },
      statusOf: (r: InstanceRunner) => this.statusOf(r),
      changes: this,
      emit: (e: SupervisorEvent) => this.emit('event', e),
      log: this.log,
    };
    const run = new RollingReload(host, program, opts);
    this.reloads.set(program, run);
    try {
      return await run.run();
    } finally {
      this.reloads.delete(program);
    }
  }

  private refreshPoller(): void {
    this.poller?.stop();
    this.poller = undefined;
    if (this.cgroups || !this.runners().some((r) => r.program.limits?.memory !== undefined)) return;
    this.poller = new MemoryPoller(() => this.runners(), this.config.supervisor.cgroups.pollMs, this.log);
    this.poller.start();
  }

  private async dispose(name: string, instances: Program['instances']): Promise<void> {
    for (const { runner } of instances) runner.send({ type: 'stop' });
    await Promise.all(instances.map(({ runner }) => runner.whenDown()));
    for (const { runner, logs } of instances) {
      await closeInstanceLogs(logs);
      await runner.cgroup?.remove();
    }
    this.log.debug({ program: name, instances: instances.length }, 'instances removed');
  }

  /** Applies a new, already validated config: only what changed is touched. */
  async update(next: ResolvedConfig): Promise<UpdateResult> {
    const diff = diffConfigs(this.config, next);
    this.refuseWhileReloading([...diff.removed, ...diff.restarted, ...diff.scaled], 'update');
    // New listening sockets first: a port in use rejects the update before anything changed.
    for (const name of [...diff.added, ...diff.restarted]) {
      const cfg = next.programs[name]!;
      if (cfg.listen) await this.sockets.bind(name, listenSpecs(name, cfg.listen));
    }
    const warnings = [...next.warnings, ...diff.needsDaemonRestart.map((k) => `${k} changed: it takes effect when the daemon restarts`)];
    const prev = this.config;
    this.config = { ...next, supervisor: prev.supervisor };
    this.deps = dependencyMap(next.programs, next.groups);
    const wasUp = (p: Program) => p.instances.some(({ runner }) => !DOWN.has(runner.state.state));
    for (const name of diff.removed) {
      const p = this.programs.get(name)!;
      this.programs.delete(name);
      this.wanted.delete(name);
      await this.dispose(name, p.instances);
      this.sockets.release(name);
    }
    for (const name of diff.restarted) {
      const p = this.programs.get(name)!;
      const up = wasUp(p) || this.wanted.has(name);
      await this.dispose(name, p.instances);
      if (!next.programs[name]!.listen) this.sockets.release(name);
      this.programs.set(name, this.build(name, next.programs[name]!));
      if (up) this.wanted.add(name);
    }
    for (const name of diff.scaled) {
      const p = this.programs.get(name)!;
      const cfg = next.programs[name]!;
      const up = wasUp(p);
      const extra = p.instances.splice(cfg.instances);
      if (extra.length) await this.dispose(name, extra);
      for (let i = p.instances.length; i < cfg.instances; i++) {
        const inst = this.buildInstance(name, cfg, i);
        p.instances.push(inst);
        if (up) inst.runner.send({ type: 'start', manual: false });
      }
      p.config = cfg;
      for (const { runner } of p.instances) warnings.push(...runner.reconfigure(cfg));
    }
    for (const name of diff.reconfigured) {
      const p = this.programs.get(name)!;
      const before = p.config.stopTimeoutMs;
      p.config = next.programs[name]!;
      if (p.config.stopTimeoutMs < before && p.instances.some(({ runner }) => runner.running)) {
        warnings.push(
          `programs.${name}.stopTimeoutMs went down ` +
            `to ${p.config.stopTimeoutMs} ms: its running instances planned ` +
            `their shutdown ` +
            (`within ${before} ms (HOLDFAST_TERMINATION_GRACE_MS) and get the new budget at their next start ` +
              `('holdfast reload ${name}' gives it to them now)`),
        );
      }
      for (const { runner } of p.instances) warnings.push(...runner.reconfigure(p.config));
    }
    for (const name of diff.added) {
      const p = this.build(name, next.programs[name]!);
      this.programs.set(name, p);
      if (p.config.autostart) this.wanted.add(name);
    }
    this.refreshPoller();
    this.pump();
    const result: UpdateResult = { ...diff, warnings };
    this.emit('event', { type: 'update', at: new Date().toISOString(), result } satisfies SupervisorEvent);
    return result;
  }

  /** Stops everything (dependents first) and releases cgroups and log files. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.wanted.clear();
    if (this.programs.size > 0) await this.stopTargets(['all']);
    for (const r of this.reloads.values()) r.abort('the supervisor is shutting down');
    // A reload's replacements and draining instances go too.
    for (const r of this.runners()) r.send({ type: 'stop' });
    await Promise.all(this.runners().map((r) => r.whenDown()));
    this.sockets.closeAll();
    this.closed = true;
    this.poller?.stop();
    if (this.oomTimer) clearInterval(this.oomTimer);
    for (const p of this.programs.values()) {
      for (const { runner, logs } of p.instances) {
        await closeInstanceLogs(logs);
        await runner.cgroup?.remove();
      }
    }
    this.cgroups?.dispose();
    this.emit('event', { type: 'shutdown', at: new Date().toISOString() } satisfies SupervisorEvent);
  }
}
