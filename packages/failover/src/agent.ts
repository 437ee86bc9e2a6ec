// The failover agent: composes the coordinator, the leadership loop, the resources, the
// fences, the heartbeats, the health checks, metrics and the status endpoint. It holds no
// leadership logic of its own (that is leadership.ts); it wires the loop's hooks to I/O:
//   promote: arm every fence (valid until the deadline), then start the resources in order;
//   demote:  stop the resources (VIP first); disarm the fences only if every stop succeeded —
//            otherwise they stay armed and tear down at the deadline;
//   pet:     after every confirmed renewal, pet every fence with the new deadline.
//
// Start order matters: the status endpoint first (it refuses a second agent for the same
// node), then cleanup of leftovers (a VIP held without a lease goes before anything else),
// then the coordinator (unreachable = a clear error, nothing taken), fences, heartbeats,
// health checks, and only then the campaign.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { dirname, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { systemClock, type Clock } from './clock.ts';
import { ttlFor, timingFor, readSecret, type ClusterConfig } from './config.ts';
import { createCoordinator } from './coordinator/index.ts';
import type { Coordinator } from './coordinator/coordinator.ts';
import { FailoverError } from './errors.ts';
import { runFenceHook } from './fence/hook.ts';
import { fenceKinds } from './fence/index.ts';
import { HealthChecks } from './health.ts';
import { Heartbeats } from './heartbeat/heartbeat.ts';
import { Leadership, type LeadershipHooks } from './leadership.ts';
import { FailoverMetrics } from './metrics.ts';
import { ResourceRunner } from './resource-runner.ts';
import { resourceKinds } from './resources/index.ts';
import type { Fence, FenceDeps, FenceTerm } from './fence/fence.ts';
import type { Resource, ResourceBaseConfig, ResourceKind } from './resources/resource.ts';
import type { Term } from './coordinator/coordinator.ts';
import { EventSignals, signalsTarget, supervisorSignalForwarder, type SignalForwarder } from './signals/index.ts';
import { StatusServer } from './status-server.ts';
import { statusAccessFor, type StatusEndpoint } from './status-access.ts';
import type { AgentEvent, AgentStatus, StampedEvent } from './agent-types.ts';

export interface AgentOptions {
  config: ClusterConfig;
  /** Where the config came from: relative paths in it resolve against its directory. */
  configFile?: string;
  log?: Logger;
  clock?: Clock;
  /** Injected parts (tests); by default built from the config. */
  coordinator?: Coordinator;
  resources?: Resource[];
  fences?: Fence[];
  /**
   * The resource kinds configs are built with (default: resourceKinds; e.g. createProgramKind(control)
   * to reach supervisors another way).
   */
  resourceKinds?: readonly ResourceKind<any>[];
  /** Where HOLDFAST_SOCKET is read for the signals' default target (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Wall-clock ms, the time a signal says its event happened (default: Date.now). */
  wallClock?: () => number;
}

const WARN_EVENTS = new Set([
  'demoting',
  'demoted',
  'keepalive-failed',
  'campaign-failed',
  'campaign-withdrawn',
  'pause',
  'resource-failed',
  'action-refused',
  'fence-lost',
  'switchover-refused',
  'warning',
]);
const QUIET_EVENTS = new Set(['heartbeat-dropped', 'view']);

export class FailoverAgent extends EventEmitter<{ event: [StampedEvent] }> {
  readonly config: ClusterConfig;
  readonly log: Logger;
  readonly metrics: FailoverMetrics;
  readonly statusEndpoint: StatusEndpoint;
  readonly #clock: Clock;
  readonly #coordinator: Coordinator;
  readonly #leadership: Leadership;
  readonly #runner: ResourceRunner;
  readonly #fences: Fence[];
  readonly #health: HealthChecks;
  readonly #heartbeats: Heartbeats | null;
  readonly #status: StatusServer;
  readonly #baseDir: string;
  readonly #signals: { events: EventSignals; forwarder: SignalForwarder } | null;
  #started: (() => Promise<void>)[] = [];
  #lastRepeated = new Map<string, string>();

  constructor(options: AgentOptions) {
    super();
    const c = (this.config = options.config);
    this.#clock = options.clock ?? systemClock;
    this.log = (options.log ?? pino({ base: { node: c.node, cluster: c.name } })).child({});
    const baseDir = (this.#baseDir = options.configFile ? dirname(options.configFile) : process.cwd());
    const timing = timingFor(c);
    this.#coordinator =
      options.coordinator ??
      createCoordinator(c, {
        clock: this.#clock,
        ttlMs: ttlFor(c),
        baseDir,
        onWarning: (message, details) => this.#emit({ type: 'warning', message, details }),
      });

    const resourceDeps = { node: c.node, cluster: c.name, log: this.log };
    // Marks every process a resource action runs, so the fence can find and end those a dead or
    // frozen agent left in flight (fence/strays.ts).
    const actionMarker = `${c.name}/${c.node}/${process.pid}/${randomBytes(6).toString('hex')}`;
    const resources =
      options.resources ??
      c.resources.map((rc) => {
        const kind = (options.resourceKinds ?? resourceKinds).find((k) => k.kind === (rc as { kind: string }).kind);
        if (!kind)
          throw new FailoverError(
            'HOLDFAST_E_CONFIG',
            `resources: no resource kind ` +
              `'${(rc as { kind: string }).kind}' ` +
              `among ${(options.resourceKinds ?? resourceKinds).map((k) => k.kind).join(', ')}`,
          );
        return (kind as { create(config: unknown, deps: typeof resourceDeps): Resource }).create(rc, resourceDeps);
      });
    this.#runner = new ResourceRunner(resources, {
      node: c.node,
      cluster: c.name,
      log: this.log,
      clock: this.#clock,
      assertLeader: () => this.#leadership.assertLeader(),
      whenLeader: (signal) => this.#leadership.whenLeader(signal),
      onEvent: (e) => this.#emit(e),
      onGiveUp: (resource, detail) => void this.#leadership.relinquish('resource-failed', `resource '${resource}': ${detail}`),
      actionMarker,
    });

    const fenceDeps: FenceDeps = {
      node: c.node,
      cluster: c.name,
      log: this.log,
      resources: c.resources as (ResourceBaseConfig & { kind: string })[],
      actionMarker,
      onLost: (why) => this.#emit({ type: 'fence-lost', why }),
      onFired: ({ token, reason }) => {
        this.#emit({ type: 'fence-fired', token, reason });
        if (this.#leadership.term?.token === token) void this.#leadership.relinquish('fenced', `the fence acted (${reason})`);
      },
    };
    this.#fences =
      options.fences ??
      c.fences.map((fc) => {
        const kind = fenceKinds.find((k) => k.kind === (fc as { kind: string }).kind)!;
        return (kind as { create(config: unknown, deps: FenceDeps): Fence }).create(fc, fenceDeps);
      });

    this.#health = new HealthChecks(c.health, this.#clock);
    this.#heartbeats = c.heartbeat
      ? new Heartbeats({
          cluster: c.name,
          node: c.node,
          listen: c.heartbeat.listen,
          peers: c.heartbeat.peers.map((p) => ({ node: p.node, host: p.address.host, port: p.address.port })),
          keys: c.heartbeat.keys.map((k, i) => ({
            id: k.id,
            secret: readSecret(k.secret, k.secretFile && resolve(baseDir, k.secretFile), `heartbeat.keys[${i}]`),
          })),
          ...(c.heartbeat.sendKeyId ? { sendKeyId: c.heartbeat.sendKeyId } : {}),
          intervalMs: c.heartbeat.interval,
          clock: this.#clock,
          local: () => {
            const s = this.#leadership.status();
            return { role: s.role, token: s.token, healthy: s.healthy, priority: c.priority, leader: s.leader?.node ?? null };
          },
        })
      : null;

    const hooks: LeadershipHooks = {
      campaigning: () => this.#runner.prepareAll(),
      promote: async (term, signal) => {
        const fenceTerm: FenceTerm = { token: term.token, validUntilMs: this.#leadership.deadline, ...this.#releaseFor(term) };
        for (const f of this.#fences) await f.arm(fenceTerm);
        await this.#runner.startAll(term.token, signal);
        this.#heartbeats?.send();
      },
      demote: async (_term, _reason, signal) => {
        const clean = await this.#runner.stopAll(signal);
        if (clean) {
          for (const f of this.#fences)
            await f.disarm().catch((err: Error) => this.log.error({ err: err.message, fence: f.kind }, 'could not disarm the fence'));
        } else {
          this.log.error('a resource did not stop cleanly: the fences stay armed and will tear down at the deadline');
        }
        this.#heartbeats?.send();
      },
      pet: (validUntil) => {
        for (const f of this.#fences) f.pet(validUntil);
      },
      ...(c.fenceHook ? { fencePrevious: (previous, term, signal) => runFenceHook(c.fenceHook!, c.name, previous, term, signal) } : {}),
    };
    this.#leadership = new Leadership({
      candidate: { node: c.node, priority: c.priority },
      clock: this.#clock,
      coordinator: this.#coordinator,
      timing,
      hooks,
      preempt: c.preempt,
      higherPriorityPeers: () => this.#heartbeats?.higherPriorityAlive(c.priority) ?? 0,
      peerHealthy: (node) => this.#heartbeats?.peerHealthy(node),
      onEvent: (e) => this.#emit(e),
    });
    const target = signalsTarget(c.signals, options.env ?? process.env, baseDir);
    this.#signals = target
      ? {
          events: new EventSignals({ cluster: c.name, node: c.node, now: options.wallClock ?? Date.now }),
          forwarder: supervisorSignalForwarder(target, c.signals, {
            clock: this.#clock,
            log: this.log,
            ...(options.env ? { env: options.env } : {}),
          }),
        }
      : null;
    this.metrics = new FailoverMetrics(() => this.status());
    const access = statusAccessFor(c, baseDir);
    this.statusEndpoint = access.endpoint;
    // Without a configured token the agent makes one and leaves it where only its user reads it.
    const auth = access.token ? { token: access.token } : { token: randomBytes(24).toString('base64url'), tokenFile: access.tokenFile };
    this.#status = new StatusServer(
      this.statusEndpoint,
      {
        status: () => this.status(),
        metrics: () => this.metrics.registry.metrics(),
        subscribe: (fn) => {
          this.on('event', fn);
          return () => this.off('event', fn);
        },
        switchover: (to) => this.switchover(to),
      },
      auth,
    );
  }

  /** Throws NotLeaderError unless this node may act as leader now (for embedding applications). */
  assertLeader(): void {
    this.#leadership.assertLeader();
  }

  get leadership(): Leadership {
    return this.#leadership;
  }

  async start(): Promise<void> {
    try {
      await this.#status.start();
      this.#started.push(() => this.#status.stop());
      await this.#runner.cleanup();
      await this.#coordinator.connect();
      this.#started.push(() => this.#coordinator.close());
      for (const f of this.#fences) {
        this.#started.push(() => f.close()); // also when open() fails half-way (a spawned companion)
        await f.open();
      }
      if (this.#heartbeats) {
        this.#heartbeats.on('drop', (reason, from) => this.#emit({ type: 'heartbeat-dropped', reason, from }));
        this.#heartbeats.on('peer', (p) => this.#emit({ type: 'peer', node: p.node, alive: p.alive }));
        await this.#heartbeats.start();
        this.#started.push(() => this.#heartbeats!.stop());
      }
      this.#health.on('change', (healthy) => {
        this.#emit({ type: 'health', healthy, checks: this.#health.status() });
        this.#leadership.setHealthy(healthy);
      });
      this.#health.start();
      this.#started.push(async () => this.#health.stop());
      this.#leadership.setHealthy(this.#health.healthy);
    } catch (err) {
      await this.#unwind();
      throw err;
    }
    if (this.#signals)
      this.log.info(
        { signals: this.#signals.forwarder.stats().to },
        'promotions and fences fired go to the supervisor as incident signals',
      );
    this.#leadership.start();
    this.#emit({
      type: 'agent-started',
      node: this.config.node,
      cluster: this.config.name,
      coordinator: this.#coordinator.kind,
      ttlMs: this.#coordinator.ttlMs,
    });
  }

  /** Demotes (resources stopped, VIP dropped, lease released) if leading, then stops everything. */
  async stop(): Promise<void> {
    await this.#leadership.stop();
    await this.#unwind();
    // What is still queued gets a short last chance (a promotion just before a clean stop).
    if (this.#signals) {
      await this.#signals.forwarder.drain(Math.min(this.config.signals.timeout, 3000));
      this.#signals.forwarder.close();
    }
    this.#emit({ type: 'agent-stopped' });
  }

  async #unwind(): Promise<void> {
    for (const undo of this.#started.splice(0).reverse()) {
      await undo().catch((err: Error) => this.log.warn({ err: err.message }, 'error while stopping'));
    }
  }

  /**
   * What the fence needs to release this term's lease once the agent is dead and everything is
   * torn down (a SIGKILLed leader then hands over in well under a TTL). The local coordinator:
   * its state directory (the companion runs as the agent's user). etcd over plain http without
   * auth: the companion revokes through etcd's JSON gateway. Otherwise the lease simply expires.
   */
  #releaseFor(term: Term): Pick<FenceTerm, 'release'> {
    const c = this.config.coordinator;
    if (c.kind === 'local' && this.#coordinator.kind === 'local') {
      return { release: { kind: 'local-lease', dir: resolve(this.#baseDir, c.dir), cluster: this.config.name, leaseId: term.leaseId } };
    }
    if (c.kind !== 'etcd' || this.#coordinator.kind !== 'etcd' || c.tls || c.auth || !c.endpoints.every((e) => e.startsWith('http://')))
      return {};
    return { release: { kind: 'etcd-lease', endpoints: [...c.endpoints], leaseId: term.leaseId } };
  }

  /** Asks the cluster's leader to hand over to `to` (planned switchover). */
  async switchover(to: string): Promise<{ to: string; from: string | null }> {
    const c = this.config;
    const known = c.heartbeat ? [c.node, ...c.heartbeat.peers.map((p) => p.node)] : null;
    if (known && !known.includes(to))
      throw new FailoverError('HOLDFAST_E_SWITCHOVER', `'${to}' is not a node of cluster '${c.name}' (known: ${known.join(', ')})`);
    if (to !== c.node && this.#heartbeats?.peerHealthy(to) === false)
      throw new FailoverError('HOLDFAST_E_SWITCHOVER', `'${to}' is not healthy (per its heartbeats); fix it first`);
    const view = await this.#coordinator.read();
    if (!view.leader)
      throw new FailoverError('HOLDFAST_E_SWITCHOVER', `cluster '${c.name}' has no leader right now; there is nothing to switch over`);
    if (view.leader.node === to) throw new FailoverError('HOLDFAST_E_SWITCHOVER', `'${to}' already leads (token ${view.leader.token})`);
    const ttl = this.#coordinator.ttlMs;
    await this.#coordinator.requestSwitchover(
      { to, fromToken: view.leader.token, requestedBy: `${c.node} (holdfast failover switchover)` },
      Math.max(3 * ttl, 10_000),
    );
    return { to, from: view.leader.node };
  }

  status(): AgentStatus {
    const hb = this.#heartbeats;
    return {
      node: this.config.node,
      cluster: this.config.name,
      pid: process.pid,
      coordinator: { kind: this.#coordinator.kind, ttlMs: this.#coordinator.ttlMs },
      leadership: this.#leadership.status(),
      resources: this.#runner.status(),
      health: { healthy: this.#health.healthy, checks: this.#health.status() },
      peers: hb?.peers() ?? [],
      heartbeat: hb ? { sent: hb.counters.sent, accepted: hb.counters.accepted, dropped: { ...hb.counters.dropped } } : null,
      fences: this.#fences.map((f) => ({ kind: f.kind, ...(f.describe?.() ?? {}) })),
      signals: this.#signals?.forwarder.stats() ?? null,
    };
  }

  #emit(e: AgentEvent): void {
    this.metrics?.record(e);
    const signal = this.#signals?.events.signalFor(e);
    if (signal) this.#signals!.forwarder.push(signal);
    const stamped = { ...e, time: new Date().toISOString(), node: this.config.node } as StampedEvent;
    this.emit('event', stamped);
    if (QUIET_EVENTS.has(e.type)) return void this.log.debug({ event: e.type, ...e }, e.type);
    const { type, ...fields } = e;
    // Repeated failures (etcd down, a flapping check) are logged once per distinct message.
    if (type === 'campaign-failed' || type === 'keepalive-failed') {
      const msg = (e as { error: string }).error;
      if (this.#lastRepeated.get(type) === msg) return;
      this.#lastRepeated.set(type, msg);
    } else if (type === 'promoted' || type === 'elected') this.#lastRepeated.clear();
    const level = WARN_EVENTS.has(type) ? 'warn' : 'info';
    this.log[level]({ event: type, ...fields }, type);
  }
}
