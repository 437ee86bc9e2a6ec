// The Guard: resources and the hot path (entry/exit). Rules are validated, built and swapped by
// the rule manager (manager/); async helpers (run, wrap, entryAsync) are in run.ts and
// snapshots in observe.ts; each rule kind lives in its folder (rule.ts + checker.ts).
//
// Hot path, in order: system protection (inbound calls only), isolation, flow, per-key,
// breakers. Every check only looks; once all said yes, the commits run (throttle slot, per-key
// tokens, probe admission) and the entry is taken from the pool. Nothing on this path
// allocates, except BlockError on a block.
import { EventEmitter } from 'node:events';
import { BlockError } from './block-error.ts';
import { REASON_SYSTEM } from './block-reason.ts';
import type { BreakerChecker, BreakerStateChange } from './breaker/checker.ts';
import { type Clock, cachedClock } from './clock.ts';
import { ClusterLink, type ClusterModeChange } from './cluster/link.ts';
import type { ClusterOptions } from './cluster/store.ts';
import { DryRunReports } from './dry-run.ts';
import { Entry, type EntryOptions, type EntryOwner } from './entry.ts';
import { GuardError, RulesError } from './errors.ts';
import type { GuardEvents } from './events.ts';
import { type GuardLogger, silentLogger } from './logger.ts';
import { NO_RULES, type ResourceRules } from './manager/compile.ts';
import type { RulesDiff } from './manager/diff.ts';
import { RuleManager } from './manager/manager.ts';
import type { GuardRules, NormalizedRules } from './manager/validate.ts';
import { type GuardSnapshot, snapshot } from './observe.ts';
import { type AsyncEntryOptions, type RunOptions, type WrapOptions, entryAsync, run, wrap } from './run.ts';
import { Sampling } from './signals/sampling.ts';
import { type SignalReadings, SystemSignals } from './signals/signals.ts';
import type { ResourceNode } from './stat/resource-node.ts';
import { ResourceRegistry } from './stat/registry.ts';
import type { SystemChecker } from './system/checker.ts';
import type { FlowChecker } from './flow/checker.ts';
import type { HotspotChecker } from './hotspot/checker.ts';
import type { IsolationChecker } from './isolation/checker.ts';
import { controlStep } from './system/control.ts';
import { PRIORITY_NORMAL, priorityCode } from './system/priority.ts';
import { BLOCKED, PROBE } from './verdict.ts';

export interface GuardOptions {
  /** Initial rules (validated like loadRules). */
  rules?: GuardRules;
  clock?: Clock;
  logger?: GuardLogger;
  /** Resources tracked at most; further names share one untracked, rule-less node (default 10000). */
  maxResources?: number;
  /** Sample Node's load signals on a timer while rules need them (default true). */
  autoSample?: boolean;
  /** CPU and memory allowances for the signals, overriding what cgroups say. */
  cpuCores?: number;
  memoryLimitBytes?: number;
  /** Where to read cgroup files from (tests). */
  cgroupRoot?: string;
  /** Random source for probabilistic shedding (tests). */
  random?: () => number;
  /** The shared store cluster rules (clusterMode: true) lease their permits from. */
  cluster?: ClusterOptions;
}

export class Guard extends EventEmitter<GuardEvents> implements EntryOwner {
  readonly clock: Clock;
  readonly logger: GuardLogger;
  /** Smoothed load signals (read by memory-adaptive flow rules and system protection). */
  readonly signals = new SystemSignals();
  private readonly registry: ResourceRegistry<ResourceRules>;
  private readonly manager: RuleManager;
  private readonly pool: Entry[] = [];
  /** The manager's system checker, kept here for the hot path (updated with every swap). */
  private system: SystemChecker | null = null;
  private readonly sampling: Sampling;
  private readonly cluster: ClusterLink | null;
  private readonly dryRuns: DryRunReports;
  private closed = false;

  constructor(options: GuardOptions = {}) {
    super();
    this.clock = options.clock ?? cachedClock();
    this.logger = options.logger ?? silentLogger;
    const maxResources = options.maxResources ?? 10_000;
    this.registry = new ResourceRegistry<ResourceRules>(maxResources, NO_RULES, (resource) =>
      this.logger.warn(
        { resource, maxResources },
        'guard: too many resources; further ones are neither tracked nor ruled (use route templates, not raw URLs, as resource names)',
      ),
    );
    this.cluster = options.cluster
      ? new ClusterLink(
          options.cluster,
          () => this.clock.now(),
          (c) => this.onClusterMode(c),
        )
      : null;
    this.manager = new RuleManager(this.registry, {
      signals: this.signals,
      onBreakerChange: (c) => this.onBreakerChange(c),
      cluster: this.cluster,
      random: options.random,
    });
    this.sampling = new Sampling(options, (r) => this.updateSignals(r));
    this.dryRuns = new DryRunReports(this.logger, (e) => this.emit('wouldBlock', e));
    for (let i = 0; i < 64; i++) this.pool.push(new Entry(this));
    if (options.rules) this.loadRules(options.rules);
  }

  /** Admits a call to `resource`, or says why not. Synchronous; see Entry.waitMs for throttling. */
  entry(resource: string, options?: EntryOptions): Entry | BlockError {
    if (options === undefined) return this.enter(this.nodeFor(resource), undefined, 1, PRIORITY_NORMAL, false);
    return this.enter(this.nodeFor(resource), options.key, options.batch ?? 1, priorityCode(options.priority), options.inbound === true);
  }

  /** entry(), then waits out a throttling delay (rejecting if `signal` aborts meanwhile). */
  entryAsync(resource: string, options?: AsyncEntryOptions): Promise<Entry | BlockError> {
    return entryAsync(this, resource, options);
  }

  /**
   * Runs `fn` under `resource`: blocked calls reject with the BlockError (or get `fallback`),
   * failures are counted as errors and rethrown (or get `fallback`).
   */
  run<T>(resource: string, fn: () => T | Promise<T>, options?: RunOptions<T>): Promise<T> {
    return run(this, resource, fn, options);
  }

  /**
   * Wraps an outbound call: `fn` gets an AbortSignal that fires after `timeoutMs`; a timeout
   * counts as an error; blocks, failures and timeouts get `fallback` when given.
   */
  wrap<A extends unknown[], T>(
    resource: string,
    fn: (signal: AbortSignal, ...args: A) => Promise<T>,
    options?: WrapOptions<A, T>,
  ): (...args: A) => Promise<T> {
    return wrap(this, resource, fn, options);
  }

  /** Positional form of entry() for adapters that must not allocate an options object per call. */
  enter(node: ResourceNode<ResourceRules>, key: unknown, batch: number, priority: number, inbound: boolean): Entry | BlockError {
    // Every refusal is a call to a refuse*() method below: keeping the cold paths out keeps
    // this function small enough for V8 to inline into entry() and guard.run, and a refusal
    // that only dry-runs comes back as null.
    const now = this.clock.now();
    const system = inbound ? this.system : null;
    if (system !== null && system.shouldShed(now, priority)) {
      const b = this.refuseSystem(node, now, system, batch);
      if (b !== null) return b;
    }
    const rules = node.rules;
    let wait = 0;
    let probeMask = 0;
    if (rules.any) {
      const isolation = rules.isolation;
      for (let i = 0; i < isolation.length; i++) {
        const c = isolation[i]!;
        if (c.check(node) < 0) {
          const b = this.refuseIsolation(node, now, c, batch);
          if (b !== null) return b;
        }
      }
      const flow = rules.flow;
      for (let i = 0; i < flow.length; i++) {
        const c = flow[i]!;
        const v = c.check(now, batch);
        if (v < 0) {
          const b = this.refuseFlow(node, now, c, batch);
          if (b !== null) return b;
        } else if (v > wait && !c.dryRun) wait = v;
      }
      const hotspot = rules.hotspot;
      for (let i = 0; i < hotspot.length; i++) {
        const c = hotspot[i]!;
        if (c.check(now, key, batch) < 0) {
          const b = this.refuseHotspot(node, now, c, batch, key);
          if (b !== null) return b;
        }
      }
      const breakers = rules.breakers;
      for (let i = 0; i < breakers.length; i++) {
        const v = breakers[i]!.check(now);
        if (v === BLOCKED) {
          const b = this.refuseBreaker(node, now, breakers[i]!, batch);
          if (b !== null) return b;
        } else if (v === PROBE) probeMask |= 1 << i;
      }
      // Every rule said yes: commit.
      for (let i = 0; i < flow.length; i++) flow[i]!.commit(now, batch);
      for (let i = 0; i < hotspot.length; i++) hotspot[i]!.commit(now, batch);
      if (probeMask !== 0) this.admitProbes(breakers, probeMask, now);
    }
    node.onPass(now, batch);
    if (system !== null) system.onPass(now);
    const e = this.pool.pop() ?? new Entry(this);
    e.active = true;
    e.node = node;
    e.rules = rules;
    e.system = system;
    e.key = key;
    e.batch = batch;
    e.startedAt = now;
    e.waitMs = wait;
    e.probeMask = probeMask;
    return e;
  }

  private refuseSystem(node: ResourceNode, now: number, c: SystemChecker, batch: number): BlockError | null {
    if (c.dryRun) return this.wouldBlock(node, now, REASON_SYSTEM, c.rule.id);
    return this.block(node, now, REASON_SYSTEM, c.rule, 1000, batch, NaN, 0, undefined);
  }

  private refuseIsolation(node: ResourceNode, now: number, c: IsolationChecker, batch: number): BlockError | null {
    if (c.dryRun) return this.wouldBlock(node, now, c.reason, c.rule.id);
    return this.block(node, now, c.reason, c.rule, 1000, batch, c.rule.maxConcurrency, 0, undefined);
  }

  private refuseFlow(node: ResourceNode, now: number, c: FlowChecker, batch: number): BlockError | null {
    if (c.dryRun) return this.wouldBlock(node, now, c.reason, c.rule.id);
    const windowMs = c.rule.metric === 'qps' ? c.rule.statIntervalMs : 0;
    return this.block(node, now, c.reason, c.rule, c.retryAfterMs(now), batch, c.currentThreshold(now), windowMs, undefined);
  }

  private refuseHotspot(node: ResourceNode, now: number, c: HotspotChecker, batch: number, key: unknown): BlockError | null {
    if (c.dryRun) return this.wouldBlock(node, now, c.reason, c.rule.id);
    const quota = c.table.limit[c.table.peek(key)]!;
    const windowMs = c.rule.metric === 'qps' ? c.rule.durationMs : 0;
    return this.block(node, now, c.reason, c.rule, c.retryAfterMs(now, batch), batch, quota, windowMs, key);
  }

  private refuseBreaker(node: ResourceNode, now: number, c: BreakerChecker, batch: number): BlockError | null {
    if (c.dryRun) return this.wouldBlock(node, now, c.reason, c.rule.id);
    return this.block(node, now, c.reason, c.rule, c.retryAfterMs(now), batch, NaN, 0, undefined);
  }

  private admitProbes(breakers: readonly BreakerChecker[], probeMask: number, now: number): void {
    for (let i = 0; i < breakers.length; i++) if ((probeMask >> i) & 1) breakers[i]!.admitProbe(now);
  }

  /** @internal Entry.exit() lands here. */
  exitEntry(e: Entry, error: boolean, rtGiven: number): void {
    const now = this.clock.now();
    const rt = rtGiven >= 0 ? rtGiven : Math.max(0, now - e.startedAt - e.waitMs);
    const node = e.node!;
    const rules = e.rules!;
    // Adaptive limits learn from the in-flight count this call saw, before it leaves.
    const inflight = node.inflight;
    node.onComplete(now, rt, error, e.batch);
    if (rules.any) {
      const completions = rules.completions;
      for (let i = 0; i < completions.length; i++) completions[i]!.onComplete(now, rt, error, inflight);
      const breakers = rules.breakers;
      const mask = e.probeMask;
      for (let i = 0; i < breakers.length; i++) {
        if (((mask >> i) & 1) === 0) breakers[i]!.onComplete(now, rt, error);
        else breakers[i]!.onProbeComplete(now, rt, error, e.startedAt);
      }
      const hotspot = rules.hotspot;
      for (let i = 0; i < hotspot.length; i++) hotspot[i]!.release(e.key);
    }
    if (e.system !== null) e.system.onComplete(now, rt);
    this.release(e);
  }

  /** @internal Entry.cancel() lands here. */
  cancelEntry(e: Entry): void {
    const now = this.clock.now();
    e.node!.onCancel();
    const rules = e.rules!;
    if (rules.any) {
      const breakers = rules.breakers;
      for (let i = 0; i < breakers.length; i++) if ((e.probeMask >> i) & 1) breakers[i]!.cancelProbe(now, e.startedAt);
      for (let i = 0; i < rules.hotspot.length; i++) rules.hotspot[i]!.release(e.key);
    }
    if (e.system !== null) e.system.onCancel();
    this.release(e);
  }

  private release(e: Entry): void {
    e.active = false;
    e.node = null;
    e.rules = null;
    e.system = null;
    e.key = undefined;
    // Keep enough for any steady concurrency; a one-off spike's extra entries go to the GC.
    if (this.pool.length < 4096) this.pool.push(e);
  }

  private block(
    node: ResourceNode,
    now: number,
    reason: number,
    rule: { id: string },
    retryAfterMs: number,
    batch: number,
    quota: number,
    windowMs: number,
    key: unknown,
  ): BlockError {
    node.onBlock(now, reason, batch);
    const err = new BlockError(reason, node.name, rule, retryAfterMs, quota, windowMs, key);
    if (this.listenerCount('block') > 0) this.emit('block', err);
    return err;
  }

  /** A dry-run rule would have refused: counted and reported, and the call goes on (null). */
  private wouldBlock(node: ResourceNode, now: number, reason: number, ruleId: string): null {
    this.dryRuns.count(node, now, reason, ruleId);
    return null;
  }

  /** The node of `resource`, created on first use (adapters keep it to call enter()). */
  nodeFor(resource: string): ResourceNode<ResourceRules> {
    return this.registry.get(resource);
  }

  /**
   * Validates `rules` as a whole and swaps them in atomically. On any problem nothing changes
   * and a RulesError lists every issue with its path. Returns what changed.
   */
  loadRules(rules: GuardRules): RulesDiff {
    if (this.closed) throw new GuardError('HOLDFAST_E_CLOSED', 'guard.loadRules: the guard is closed; create a new guard');
    const result = this.manager.load(rules);
    if (!result.ok) {
      const err = new RulesError(result.issues);
      this.logger.error({ issues: result.issues }, 'guard: rules rejected; the previous rules stay active');
      this.emit('rulesRejected', err);
      throw err;
    }
    this.system = this.manager.system;
    this.sampling.configure(this.manager.samplingNeed());
    this.warnSmallClusterThresholds();
    const diff = result.diff;
    this.logger.info(
      { added: diff.added, removed: diff.removed, changed: diff.changed, unchanged: diff.unchanged, system: diff.system },
      'guard: rules swapped',
    );
    this.emit('rulesSwapped', diff);
    return diff;
  }

  private onBreakerChange(c: BreakerStateChange): void {
    if (c.to === 'open') this.logger.warn(c, `guard: breaker ${c.ruleId} on ${c.resource} opened (${c.reason})`);
    else this.logger.info(c, `guard: breaker ${c.ruleId} on ${c.resource} ${c.from} -> ${c.to} (${c.reason})`);
    this.emit('breakerStateChange', c);
  }

  private onClusterMode(c: ClusterModeChange): void {
    const rules = this.manager.clusterRules();
    const msg =
      c.mode === 'fallback'
        ? `guard: cluster store unreachable ` +
          `(${c.reason}); ${rules.length} cluster rule(s) enforce this replica's ` +
          `share locally (${c.liveReplicas} live replicas)`
        : `guard: cluster store back (${c.reason}); cluster rules lease permits again`;
    if (c.mode === 'fallback') this.logger.warn({ ...c, rules: rules.map((r) => r.id) }, msg);
    else this.logger.info({ ...c, rules: rules.map((r) => r.id) }, msg);
    for (const r of rules) this.emit('clusterMode', { ruleId: r.id, resource: r.resource, ...c });
    if (c.mode === 'fallback') this.warnSmallClusterThresholds();
  }

  /** A cluster threshold below the replica count cannot be split into whole passes per window. */
  private warnSmallClusterThresholds(): void {
    if (this.cluster === null) return;
    const live = this.cluster.liveReplicas();
    for (const r of this.manager.clusterRules()) {
      if (r.threshold >= live || r.threshold === 0) continue;
      this.logger.warn(
        { ruleId: r.id, threshold: r.threshold, liveReplicas: live },
        `guard: cluster ` +
          `rule ${r.id}: ` +
          `threshold ${r.threshold} is below ` +
          `the ${live} live replicas; with the store up ` +
          `it holds exactly, during an outage each replica admits one pass ` +
          `per ${Math.round((live / r.threshold) * 10) / 10} windows`,
      );
    }
  }

  /** The loaded rules (defaults filled in), or null before the first load. */
  get rules(): NormalizedRules | null {
    return this.manager.rules;
  }

  /** Counters, breaker states and system protection, for exporters and dashboards (allocates). */
  snapshot(): GuardSnapshot {
    return snapshot(this.clock.now(), {
      nodes: this.registry.nodes.values(),
      manager: this.manager,
      signals: this.signals,
      cluster: this.cluster ? { mode: this.cluster.mode, liveReplicas: this.cluster.liveReplicas() } : null,
    });
  }

  /**
   * Feeds signal readings (as the sampler does every sample interval) and runs one control step
   * of system protection. For tests and custom signal sources; use autoSample: false with it.
   */
  updateSignals(readings: SignalReadings = {}): void {
    const event = controlStep(this.system, this.signals, readings, this.clock.now());
    if (event === null) return;
    this.logger.warn(
      event,
      event.shedding ? 'guard: system protection armed (a signal is over its trigger)' : 'guard: system protection disarmed',
    );
    this.emit('shedding', event);
  }

  /** Stops the signal sampler. Entries already admitted may still exit. */
  close(): void {
    this.closed = true;
    this.sampling.stop();
    this.cluster?.close();
  }
}

export function createGuard(options?: GuardOptions): Guard {
  return new Guard(options);
}
