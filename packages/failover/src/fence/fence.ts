// THE contract between the leadership core (agent.ts) and the fences: what tears the leader's
// resources down when the agent cannot (SIGKILL, SIGSTOP, a hang). Each fence kind lives in its
// own file here (companion.ts, watchdog.ts) and implements these interfaces.
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { FencingToken, ResourceBaseConfig } from '../resources/resource.ts';
import type { ReleaseSpec } from './release.ts';

// The agent arms a fence on promotion, before any resource starts, then pets it after every
// acknowledged keep-alive with validUntil = the leader's local deadline (never later). When
// monotonicMs() passes validUntil without a newer pet, the fence removes the VIP and stops the
// resources — by construction before the lease can expire in the coordinator, so before any
// other node can win. validUntil values are CLOCK_MONOTONIC milliseconds (clock.ts
// monotonicMs()), comparable across processes on the host.

export interface FenceTerm {
  token: FencingToken;
  /** Monotonic ms after which, without a newer pet, the fence acts. */
  validUntilMs: number;
  /**
   * The term's lease, which the fence may release once the agent is verified dead, no action of
   * it is left and every teardown step succeeded — never for a frozen agent (fence/release.ts).
   * Only for an etcd lease reachable over plain http without auth; otherwise it expires.
   */
  release?: ReleaseSpec;
}

export interface Fence {
  readonly kind: string;
  /** At agent start: start the companion / check the watchdog device. Throws HOLDFAST_E_FENCE / HOLDFAST_E_WATCHDOG when it cannot work. */
  open(): Promise<void>;
  /** On promotion, before any resource starts; resolves once the fence is watching this term. */
  arm(term: FenceTerm): Promise<void>;
  /** After every acknowledged keep-alive. Never blocks; validUntilMs never exceeds the leader's deadline. */
  pet(validUntilMs: number): void;
  /** After a clean demotion (resources stopped): stop watching. */
  disarm(): Promise<void>;
  /** At agent exit (after disarm). */
  close(): Promise<void>;
  describe?(): Record<string, unknown>;
}

export interface FenceDeps {
  node: string;
  cluster: string;
  log: Logger;
  /** The validated config of every resource, in order: what the fence must tear down. */
  resources: readonly (ResourceBaseConfig & { kind: string })[];
  /** HOLDFAST_FAILOVER_ACTION of every process the agent runs for an action: the fence ends those left running. */
  actionMarker?: string;
  /** The fence can no longer guard the armed term (its process died…); the agent records it and re-arms. */
  onLost?: (why: string) => void;
  /** The fence acted on term `token`: the agent must give that term up at once. */
  onFired?: (info: { token: FencingToken; reason: string }) => void;
}

/** A fence kind ('companion', 'watchdog', …), listed in `fence/index.ts` as `export const fenceKinds`. */
export interface FenceKind<C extends { kind: string } = { kind: string }> {
  readonly kind: C['kind'];
  readonly schema: z.ZodType<C, any>;
  create(config: C, deps: FenceDeps): Fence;
}
