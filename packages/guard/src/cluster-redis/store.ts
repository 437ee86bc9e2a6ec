// The cluster store on Redis: permits in one counter per rule (or rule and key) and window,
// taken by an atomic Lua script, and a heartbeat per replica in a sorted set that tells how many
// replicas are alive. Both scripts read Redis's own clock (TIME), so windows line up across
// replicas whatever their clocks say.
//
// Any ioredis client fits (the service's own, typically); the store uses only EVALSHA/EVAL and
// never changes the client's options. Every call has its own deadline: a Redis that does not
// answer within timeoutMs counts as down for the guard, which then enforces each replica's share
// locally until a heartbeat gets through again. A lease request that sat in the client's
// offline queue past its deadline is refused by the script itself, so a reconnect cannot spend
// a window's permits on requests nobody waits for any more.
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ClusterStore, LeaseGrant, LeaseRequest, StoreStatus } from '../cluster/store.ts';
import { GuardError } from '../errors.ts';
import { HEARTBEAT_SCRIPT, LEASE_SCRIPT, LEAVE_SCRIPT } from './scripts.ts';

/** What the store needs of a Redis client: ioredis's `Redis` (or `Cluster`) fits. */
export interface RedisScripting {
  evalsha(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

export interface RedisClusterStoreOptions {
  redis: RedisScripting;
  /** Key prefix; the braces keep every key in one Redis Cluster slot (default '{holdfast-guard}'). */
  prefix?: string;
  /** This replica's name in the heartbeat set (default host:pid:random). */
  replicaId?: string;
  /** How often this replica says it is alive (default 500 ms); it counts as gone after 3 missed beats. */
  heartbeatMs?: number;
  /** A lease or heartbeat slower than this counts as Redis being down (default 100 ms). */
  timeoutMs?: number;
}

export interface RedisClusterStore extends ClusterStore {
  readonly replicaId: string;
  /** Resolves after the first heartbeat got through (the live count is known), rejects after `timeoutMs` × 20 without one. */
  ready(): Promise<void>;
  /** Stops the heartbeats and leaves the replica set at once (the others take this replica's share). */
  close(): Promise<void>;
}

function sha1(s: string): string {
  return createHash('sha1').update(s).digest('hex');
}

export function redisClusterStore(options: RedisClusterStoreOptions): RedisClusterStore {
  const { redis } = options;
  const prefix = options.prefix ?? '{holdfast-guard}';
  const replicaId = options.replicaId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const heartbeatMs = options.heartbeatMs ?? 500;
  const timeoutMs = options.timeoutMs ?? 100;
  for (const [name, v] of [
    ['heartbeatMs', heartbeatMs],
    ['timeoutMs', timeoutMs],
  ] as const) {
    if (!(Number.isFinite(v) && v > 0))
      throw new GuardError('HOLDFAST_E_OPTIONS', `redisClusterStore: ${name} must be a positive number of ms, got ${String(v)}`);
  }
  if (typeof redis?.evalsha !== 'function')
    throw new GuardError(
      'HOLDFAST_E_OPTIONS',
      'redisClusterStore: `redis` must be a Redis client with evalsha/eval (an ioredis Redis or Cluster)',
    );
  const replicasKey = `${prefix}:replicas`;
  const shas = new Map<string, string>();

  let status: StoreStatus = { up: false, liveReplicas: undefined };
  /** Redis time minus local wall time, from the last heartbeat (deadlines are stated in Redis time). */
  let offsetMs = 0;
  const listeners = new Set<(s: StoreStatus) => void>();
  const publish = (next: StoreStatus) => {
    status = next;
    for (const l of listeners) l(next);
  };

  const run = async (script: string, keys: string[], args: (string | number)[]): Promise<unknown> => {
    let sha = shas.get(script);
    if (sha === undefined) shas.set(script, (sha = sha1(script)));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new GuardError('HOLDFAST_E_TIMEOUT', `Redis did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    const call = redis.evalsha(sha, keys.length, ...keys, ...args).catch((err: unknown) => {
      if (err instanceof Error && err.message.startsWith('NOSCRIPT')) return redis.eval(script, keys.length, ...keys, ...args);
      throw err;
    });
    try {
      return await Promise.race([call, timeout]);
    } finally {
      clearTimeout(timer);
      call.catch(() => {}); // a call that lost the race must not surface as unhandled
    }
  };

  let beating: Promise<void> | null = null;
  let firstBeat: (() => void) | null = null;
  const beat = (): void => {
    if (beating) return; // never pile heartbeats up behind a slow Redis
    const sentAt = Date.now();
    beating = run(HEARTBEAT_SCRIPT, [replicasKey], [replicaId, heartbeatMs * 3])
      .then((r) => {
        const [live, redisNow] = r as [number, number];
        offsetMs = redisNow - (sentAt + Date.now()) / 2;
        publish({ up: true, liveReplicas: live });
        firstBeat?.();
      })
      .catch((err: unknown) => {
        if (status.up || status.liveReplicas === undefined)
          publish({ up: false, liveReplicas: status.liveReplicas, error: err instanceof Error ? err.message : String(err) });
      })
      .finally(() => {
        beating = null;
      });
  };
  const timer = setInterval(beat, heartbeatMs);
  timer.unref();
  beat();

  return {
    replicaId,
    status: () => status,
    onStatus(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async lease(requests: readonly LeaseRequest[]): Promise<LeaseGrant[]> {
      const keys = requests.map((r) => `${prefix}:${r.key}`);
      const deadline = Math.round(Date.now() + offsetMs + timeoutMs + 2000);
      const args: number[] = [deadline, status.liveReplicas ?? 1];
      for (const r of requests) args.push(r.limit, r.windowMs, Math.ceil(r.want), Math.ceil(r.used));
      const out = (await run(LEASE_SCRIPT, keys, args)) as number[];
      if (out.length !== requests.length * 4)
        throw new GuardError('HOLDFAST_E_TIMEOUT', 'the lease request reached Redis after its deadline');
      const grants: LeaseGrant[] = [];
      for (let i = 0; i < requests.length; i++)
        grants.push({ granted: out[i * 4]!, msLeft: out[i * 4 + 1]!, window: out[i * 4 + 2]!, previousTotal: out[i * 4 + 3]! });
      return grants;
    },
    ready() {
      if (status.up) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const t = setTimeout(
          () =>
            reject(
              new GuardError('HOLDFAST_E_TIMEOUT', `redisClusterStore: no heartbeat got through to Redis within ${timeoutMs * 20} ms`),
            ),
          timeoutMs * 20,
        );
        firstBeat = () => {
          clearTimeout(t);
          firstBeat = null;
          resolve();
        };
      });
    },
    async close() {
      clearInterval(timer);
      listeners.clear();
      await run(LEAVE_SCRIPT, [replicasKey], [replicaId]).catch(() => {});
    },
  };
}
