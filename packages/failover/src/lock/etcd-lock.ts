// A distributed lock on etcd with fencing tokens, after etcd's own concurrency.Mutex: each
// contender puts <prefix>/<name>/<lease> bound to its lease and holds the lock when its key has
// the lowest create revision under the name; it waits for the deletion of the key just before
// its own (no thundering herd). The create revision is the fencing token: a later holder's key
// was created later, so its token is strictly greater.
//
// A lock is trusted only until a local deadline on the monotonic clock, computed like the
// failover leader's (timing.ts): the send time of the latest acknowledged keep-alive + TTL ×
// (1 − drift) − margin. etcd cannot expire the lease before the send time + TTL, so the holder's
// signal aborts — and assertHeld() throws — while its lease still lives on the server: a holder
// that lost etcd, or was paused, stops before anyone else can be granted the lock. That alone is
// not mutual exclusion (a pause between assertHeld() and a write defeats any check, Jepsen's
// point about etcd locks): the resource must check the token (fenced-write helpers in
// @holdfast/service, docs/failover.md).
import type { Etcd3 } from 'etcd3';
import { systemClock, type Clock, type Timer } from '../clock.ts';
import { boundedCall, createEtcdClient, keepAliveOnce, rangeEnd } from '../coordinator/etcd-client.ts';
import { FailoverError } from '../errors.ts';
import { resolveTiming } from '../timing.ts';
import type { DistributedLock, DistributedLockOptions, LockProvider } from './types.ts';
import { checkLockName, checkTtl, ttlUnderMinimum } from './validate.ts';

export interface EtcdLockProviderOptions {
  endpoints: string[];
  /** Key prefix (default /holdfast/locks). */
  prefix?: string;
  /** Bound on one etcd request (default 1 s, and at most half the lock's TTL). */
  requestTimeoutMs?: number;
  tls?: { ca: Buffer; cert?: Buffer; key?: Buffer };
  auth?: { username: string; password: string };
  clock?: Clock;
  /** An etcd3 client to share (e.g. the application's); closed by close() only when created here. */
  client?: Etcd3;
}

export function etcdLockProvider(o: EtcdLockProviderOptions): LockProvider {
  const clock = o.clock ?? systemClock;
  const requestTimeoutMs = o.requestTimeoutMs ?? 1000;
  const client =
    o.client ??
    createEtcdClient({
      endpoints: o.endpoints,
      ttlMs: 2000,
      dialTimeoutMs: requestTimeoutMs,
      ...(o.tls ? { tls: o.tls } : {}),
      ...(o.auth ? { auth: o.auth } : {}),
    });
  const prefix = (o.prefix ?? '/holdfast/locks').replace(/\/+$/, '');
  const live = new Set<Hold>();
  return {
    acquire: (name, options) => acquire(client, clock, prefix, requestTimeoutMs, name, options, live),
    close: async () => {
      // Every hold and wait ends: their keys deleted and leases revoked while the client is open.
      await Promise.all([...live].map((h) => h.release()));
      if (!o.client) client.close();
    },
  };
}

async function acquire(
  client: Etcd3,
  clock: Clock,
  prefix: string,
  requestMs: number,
  rawName: string,
  o: DistributedLockOptions,
  live: Set<Hold>,
): Promise<DistributedLock> {
  const name = checkLockName(rawName);
  const ttlMs = checkTtl(name, o.ttlMs);
  const timeout = Math.min(requestMs, ttlMs / 2);
  const call = <T>(what: string, fn: () => Promise<T>) => boundedCall(clock, `${what} (lock '${name}')`, fn, timeout);
  if (o.signal?.aborted) throw aborted(name, o.signal);
  const sentAt = clock.now();
  const grant = await call('lease grant', () => client.leaseClient.leaseGrant({ TTL: ttlMs / 1000 }));
  const grantedMs = Number(grant.TTL) * 1000;
  const revoke = () =>
    call('lease revoke', () => client.leaseClient.leaseRevoke({ ID: grant.ID })).then(
      () => undefined,
      () => undefined,
    );
  if (grantedMs > ttlMs) {
    await revoke();
    throw ttlUnderMinimum(name, ttlMs, grantedMs);
  }
  const hold = new Hold(client, clock, call, name, grant.ID, ttlMs, sentAt, revoke);
  live.add(hold);
  hold.signal.addEventListener('abort', () => live.delete(hold), { once: true });
  try {
    const dir = `${prefix}/${name}/`;
    const key = Buffer.from(`${dir}${grant.ID}`);
    const put = await call('lock put', () =>
      client.kv.txn({
        compare: [{ key, target: 'Create', result: 'Equal', create_revision: 0 }],
        success: [
          { request_put: { key, value: Buffer.from(JSON.stringify({ owner: o.owner ?? null, pid: process.pid })), lease: grant.ID } },
        ],
        failure: [],
      }),
    );
    hold.token = Number(put.header.revision);
    hold.key = key;
    await waitForTurn(client, call, dir, hold, o);
    hold.held();
    return hold;
  } catch (err) {
    hold.lose(err instanceof Error ? err : new Error(String(err)));
    await hold.cleanup();
    throw err;
  }
}

/** Waits until no key under `dir` was created before ours: the deletion of the one just before, again and again. */
async function waitForTurn(
  client: Etcd3,
  call: <T>(what: string, fn: () => Promise<T>) => Promise<T>,
  dir: string,
  hold: Hold,
  o: DistributedLockOptions,
): Promise<void> {
  const range = { key: Buffer.from(dir), range_end: rangeEnd(dir) };
  const deadline = o.timeoutMs === undefined ? undefined : hold.clock.now() + o.timeoutMs;
  for (;;) {
    hold.check();
    if (o.signal?.aborted) throw aborted(hold.name, o.signal);
    const before = await call('lock wait', () =>
      client.kv.range({ ...range, max_create_revision: String(hold.token - 1), sort_order: 'Descend', sort_target: 'Create', limit: 1 }),
    );
    const prev = before.kvs[0];
    if (!prev) return;
    const left = deadline === undefined ? undefined : deadline - hold.clock.now();
    if (left !== undefined && left <= 0) throw timedOut(hold.name, o.timeoutMs!);
    await new Promise<void>((resolve, reject) => {
      let timer: Timer | undefined;
      const done = (err?: Error) => {
        timer?.cancel();
        o.signal?.removeEventListener('abort', onAbort);
        hold.signal.removeEventListener('abort', onLost);
        void watcher.then((w) => w.cancel()).catch(() => {});
        if (err) reject(err);
        else resolve();
      };
      const onAbort = () => done(aborted(hold.name, o.signal!));
      const onLost = () => done(hold.signal.reason as Error);
      o.signal?.addEventListener('abort', onAbort, { once: true });
      hold.signal.addEventListener('abort', onLost, { once: true });
      // Either may have aborted while the range was in flight (a listener added now would never run).
      if (o.signal?.aborted) return onAbort();
      if (hold.signal.aborted) return onLost();
      if (left !== undefined) timer = hold.clock.setTimeout(() => done(timedOut(hold.name, o.timeoutMs!)), left);
      const watcher: Promise<{ cancel(): Promise<void> } & NodeJS.EventEmitter> = client
        .watch()
        .key(prev.key)
        .startRevision(String(Number(before.header.revision) + 1))
        .create();
      watcher.then(
        (w) => {
          w.on('delete', () => done());
          // A reconnect may have missed the delete: look again.
          w.on('connected', () => done());
          w.on('error', () => {});
        },
        (err: Error) => done(err),
      );
    });
  }
}

class Hold implements DistributedLock {
  readonly name: string;
  token = 0;
  key: Buffer | undefined;
  readonly clock: Clock;
  readonly #ac = new AbortController();
  readonly #client: Etcd3;
  readonly #call: <T>(what: string, fn: () => Promise<T>) => Promise<T>;
  readonly #leaseId: string;
  readonly #ttlMs: number;
  readonly #revoke: () => Promise<void>;
  readonly #timing;
  /** Monotonic ms until which the lease is certainly alive on the server, less the margin. */
  #deadline: number;
  #keepAlive: Timer | undefined;
  #expiry: Timer | undefined;
  #released = false;

  constructor(
    client: Etcd3,
    clock: Clock,
    call: <T>(what: string, fn: () => Promise<T>) => Promise<T>,
    name: string,
    leaseId: string,
    ttlMs: number,
    grantSentAt: number,
    revoke: () => Promise<void>,
  ) {
    this.#client = client;
    this.clock = clock;
    this.#call = call;
    this.name = name;
    this.#leaseId = leaseId;
    this.#ttlMs = ttlMs;
    this.#revoke = revoke;
    this.#timing = resolveTiming(ttlMs);
    this.#deadline = this.#deadlineFrom(grantSentAt);
    this.#armExpiry();
    this.#scheduleKeepAlive();
  }

  get signal(): AbortSignal {
    return this.#ac.signal;
  }

  /** Called once the lock is ours: from now on a loss is a lost lock, not a failed wait. */
  held(): void {
    this.check();
  }

  check(): void {
    if (this.#ac.signal.aborted) throw this.#ac.signal.reason;
    if (this.clock.now() >= this.#deadline) {
      this.lose(
        new FailoverError(
          'HOLDFAST_E_LOCK_LOST',
          `lock '${this.name}' ` +
            `(token ${this.token}): no keep-alive acknowledged in time; the lease may expire on the ` +
            `server (TTL ${this.#ttlMs} ms)`,
          { lock: this.name, token: this.token },
        ),
      );
      throw this.#ac.signal.reason;
    }
  }

  assertHeld(): void {
    if (this.#released)
      throw new FailoverError('HOLDFAST_E_LOCK_LOST', `lock '${this.name}' (token ${this.token}) was released`, {
        lock: this.name,
        token: this.token,
      });
    this.check();
  }

  remainingMs(): number {
    return this.#ac.signal.aborted ? 0 : Math.max(0, this.#deadline - this.clock.now());
  }

  lose(reason: Error): void {
    if (this.#ac.signal.aborted) return;
    this.#keepAlive?.cancel();
    this.#expiry?.cancel();
    this.#ac.abort(reason);
    // Best effort: if etcd is reachable, the next waiter need not wait for the TTL.
    void this.cleanup();
  }

  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    this.lose(
      new FailoverError('HOLDFAST_E_LOCK_LOST', `lock '${this.name}' (token ${this.token}) was released`, {
        lock: this.name,
        token: this.token,
      }),
    );
    await this.cleanup();
  }

  #cleaned: Promise<void> | undefined;
  cleanup(): Promise<void> {
    this.#cleaned ??= (async () => {
      const key = this.key;
      if (key) {
        await this.#call('lock delete', () =>
          this.#client.kv.txn({
            compare: [{ key, target: 'Create', result: 'Equal', create_revision: this.token }],
            success: [{ request_delete_range: { key } }],
            failure: [],
          }),
        ).catch(() => {});
      }
      await this.#revoke();
    })();
    return this.#cleaned;
  }

  #deadlineFrom(sentAt: number): number {
    const t = this.#timing;
    return sentAt + this.#ttlMs * (1 - t.drift) - t.marginMs;
  }

  #armExpiry(): void {
    this.#expiry?.cancel();
    this.#expiry = this.clock.setTimeout(
      () => {
        // A timer may fire a little before the monotonic deadline: look again until it has passed.
        if (this.clock.now() < this.#deadline) return this.#armExpiry();
        try {
          this.check();
        } catch {}
      },
      Math.max(1, this.#deadline - this.clock.now()),
    );
  }

  #scheduleKeepAlive(): void {
    this.#keepAlive = this.clock.setTimeout(() => void this.#renew(), this.#timing.keepAliveIntervalMs);
  }

  async #renew(): Promise<void> {
    if (this.#ac.signal.aborted) return;
    const sentAt = this.clock.now();
    this.#scheduleKeepAlive();
    try {
      const [ttl, mine] = await Promise.all([
        keepAliveOnce(this.#client, this.clock, this.#leaseId, this.#timing.keepAliveTimeoutMs),
        this.key ? this.#call('lock check', () => this.#client.kv.range({ key: this.key! })) : Promise.resolve(undefined),
      ]);
      if (this.#ac.signal.aborted) return;
      if (ttl <= 0) {
        this.lose(
          new FailoverError(
            'HOLDFAST_E_LOCK_LOST',
            `lock '${this.name}' (token ${this.token}): etcd reports its lease expired or revoked`,
            { lock: this.name, token: this.token },
          ),
        );
        return;
      }
      const kv = mine?.kvs[0];
      if (mine && (!kv || Number(kv.create_revision) !== this.token)) {
        this.lose(
          new FailoverError('HOLDFAST_E_LOCK_LOST', `lock '${this.name}' (token ${this.token}): its key was deleted`, {
            lock: this.name,
            token: this.token,
          }),
        );
        return;
      }
      const next = this.#deadlineFrom(sentAt);
      if (next > this.#deadline) {
        this.#deadline = next;
        this.#armExpiry();
      }
    } catch {
      // A failed renewal changes nothing: the deadline stays where the last acknowledged one put it.
    }
  }
}

function aborted(name: string, signal: AbortSignal): FailoverError {
  return new FailoverError('HOLDFAST_E_LOCK_ABORTED', `lock '${name}' (the caller's signal)`, { lock: name }, { cause: signal.reason });
}

function timedOut(name: string, ms: number): FailoverError {
  return new FailoverError('HOLDFAST_E_LOCK_TIMEOUT', `lock '${name}', after waiting ${ms} ms (timeoutMs)`, { lock: name, timeoutMs: ms });
}
