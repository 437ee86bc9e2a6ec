// THE contract between the leadership core (agent.ts, leadership.ts) and what a leader runs:
// resources (vip, exec, program). The core owns this file; each resource kind lives in its own
// file under resources/ and implements these interfaces. The fence that tears them down when
// the agent itself can no longer do so has its contract in fence/fence.ts.
//
// How the agent uses a Resource (see agent.ts / resource-runner.ts):
//   - at agent start, before any campaign: cleanup() of every resource, with no leadership
//     (removes e.g. a VIP left on the interface by an earlier run that holds no valid lease);
//   - when a campaign starts: prepare() of each resource that has one (side-effect free);
//   - on promotion: start() of each resource in config order, each under its timeoutMs;
//   - while leader: monitor() every intervalMs under timeoutMs; an unhealthy result or a throw
//     counts one failure; at onFail.maxFailures consecutive failures the agent either restarts
//     the resource (stop, then start) or gives up leadership (onFail.action 'demote');
//   - on demotion: stop() of every resource — first those with `stopFirst` (the VIP: traffic
//     must leave before the service behind it stops), then the rest in reverse config order.
//     Demotion must end before the leader's local deadline; a stop is bounded by its own
//     timeout but never abandoned at the deadline (a VIP removed late beats one left behind):
//     when demotion overruns, the fence stays armed and acts too.
//
// Rules every implementation follows:
//   1. start() and monitor() call ctx.assertLeader() immediately before each side effect
//      (before each command run, each address added, each supervisor call). It throws a
//      NotLeaderError (code HOLDFAST_E_NOT_LEADER); let it propagate.
//   2. Every process run on behalf of an action gets ctx.env in its environment, which carries
//      HOLDFAST_FENCING_TOKEN (and HOLDFAST_NODE, HOLDFAST_CLUSTER). Services that write to
//      shared state should reject writes carrying a token lower than one they have seen.
//   3. stop() and cleanup() never need leadership (removing a VIP or stopping a service is
//      always safe) and never call assertLeader(); they must be idempotent (stopping a stopped
//      resource is a success) and honour ctx.signal.
//   4. Errors are FailoverError with a code from errors.ts (e.g. HOLDFAST_E_VIP_DUPLICATE when
//      `arping -D` finds another holder: the start fails, the agent raises an alarm event and
//      gives up leadership rather than add a duplicate).
import type { Logger } from 'pino';
import { z } from 'zod';
import { duration } from '@holdfast/config';

/** The leader's fencing token: etcd's create revision of the leader key, or the local coordinator's persisted counter. */
export type FencingToken = number;

/** What every action receives. */
export interface ResourceContext {
  readonly node: string;
  readonly cluster: string;
  /** The fencing token of the leadership term this action belongs to. */
  readonly token: FencingToken;
  /** Environment for any process run by the action: HOLDFAST_FENCING_TOKEN, HOLDFAST_NODE, HOLDFAST_CLUSTER. */
  readonly env: Readonly<Record<string, string>>;
  /** Aborted when the action's timeout elapses, or (start/monitor) when leadership is lost. */
  readonly signal: AbortSignal;
  readonly log: Logger;
}

/** Context of start() and monitor(): leadership is required. */
export interface LeaderContext extends ResourceContext {
  /** Throws NotLeaderError unless this node still holds leadership right now. Call it right before every side effect. */
  assertLeader(): void;
}

/** Context of stop() and cleanup(): no leadership needed (token is 0 for cleanup at start). */
export type StopContext = ResourceContext;

export type MonitorResult = { healthy: true; detail?: string } | { healthy: false; reason: string };

export interface OnFailPolicy {
  /** 'restart': stop then start the resource; 'demote': give up leadership. */
  action: 'restart' | 'demote';
  /** Consecutive failed monitors (or failed restarts) before acting. */
  maxFailures: number;
}

export interface Resource {
  /** Unique within the cluster config; used in logs, metrics and status. */
  readonly name: string;
  /** The kind from the config ('vip', 'exec', 'program'). */
  readonly kind: string;
  /** Period of monitor() while leader. */
  readonly intervalMs: number;
  /** Bound on each start/stop/monitor call; the agent aborts ctx.signal when it elapses. */
  readonly timeoutMs: number;
  readonly onFail: OnFailPolicy;
  /** Stopped before every other resource on demotion (set by the vip resource). */
  readonly stopFirst?: boolean;
  start(ctx: LeaderContext): Promise<void>;
  stop(ctx: StopContext): Promise<void>;
  monitor(ctx: LeaderContext): Promise<MonitorResult>;
  /** Removes leftovers of an earlier run (a VIP still on the interface) without leadership. Default: stop(). */
  cleanup?(ctx: StopContext): Promise<void>;
  /**
   * A campaign is starting (no leadership yet): begin work that has no side effect anyone else
   * can see and that start() may then reuse, so a won campaign promotes sooner (the VIP's
   * duplicate check). Never throws, never waits; start() must not trust a stale result.
   */
  prepare?(): void;
  /** Extra fields for `holdfast failover status` (address, interface, pid…). */
  describe?(): Record<string, unknown>;
}

/** Fields every resource config shares. Resource kinds extend it: `resourceBaseSchema.extend({ kind: z.literal('vip'), … })`. */
export const resourceBaseSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9_.-]+$/, 'use letters, digits, ".", "_" or "-"'),
  interval: duration().default(2000).describe('how often monitor runs while leader'),
  timeout: duration().default(10_000).describe('bound on each start, stop and monitor'),
  onFail: z
    .strictObject({
      action: z.enum(['restart', 'demote']).default('restart'),
      maxFailures: z.number().int().min(1).default(3),
    })
    .default({ action: 'restart', maxFailures: 3 }),
});
export type ResourceBaseConfig = z.output<typeof resourceBaseSchema>;

/** What a resource factory may use besides its own config. */
export interface ResourceDeps {
  node: string;
  cluster: string;
  log: Logger;
}

/**
 * A resource kind: its config schema (an extension of resourceBaseSchema with a literal `kind`)
 * and a factory. Kinds are listed in `resources/index.ts` as `export const resourceKinds`.
 */
export interface ResourceKind<C extends ResourceBaseConfig & { kind: string } = ResourceBaseConfig & { kind: string }> {
  readonly kind: C['kind'];
  readonly schema: z.ZodType<C, any>;
  create(config: C, deps: ResourceDeps): Resource;
}

/** The environment every resource action and fence action passes to processes it runs. */
export function actionEnv(node: string, cluster: string, token: FencingToken): Record<string, string> {
  return { HOLDFAST_FENCING_TOKEN: String(token), HOLDFAST_NODE: node, HOLDFAST_CLUSTER: cluster };
}
