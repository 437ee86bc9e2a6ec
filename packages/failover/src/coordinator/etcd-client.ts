// What every etcd user in this package shares: the client set up for fast failure detection
// (no circuit breaker, gRPC keep-alive about a TTL), requests bounded on the monotonic clock,
// and one lease keep-alive round trip. The leadership coordinator (etcd.ts) and the distributed
// lock (lock/etcd-lock.ts) both build on these.
import { Etcd3, isRecoverableError, type IOptions } from 'etcd3';
import type { Clock } from '../clock.ts';
import { FailoverError } from '../errors.ts';

export interface EtcdClientOptions {
  endpoints: string[];
  /** Used for the gRPC keep-alive and the dial timeout. */
  ttlMs: number;
  dialTimeoutMs: number;
  tls?: { ca: Buffer; cert?: Buffer; key?: Buffer };
  auth?: { username: string; password: string };
}

/** A pass-through fault policy: no circuit breaker (it would refuse calls for 5 s after 3 failures, stalling failover). */
function passThrough(attempts: number) {
  return {
    execute: async <T>(fn: (ctx: { signal: AbortSignal }) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T> => {
      let last: unknown;
      for (let i = 0; i < attempts; i++) {
        try {
          return await fn({ signal: signal ?? new AbortController().signal });
        } catch (err) {
          last = err;
          if (!(err instanceof Error) || !isRecoverableError(err)) throw err;
        }
      }
      throw last;
    },
    onSuccess: () => ({ dispose() {} }),
    onFailure: () => ({ dispose() {} }),
  };
}

export function createEtcdClient(o: EtcdClientOptions): Etcd3 {
  const etcdOptions: IOptions = {
    hosts: o.endpoints,
    dialTimeout: o.dialTimeoutMs,
    // Detect a dead connection within about a TTL instead of TCP's minutes.
    grpcOptions: { 'grpc.keepalive_time_ms': Math.max(1000, o.ttlMs), 'grpc.keepalive_timeout_ms': Math.max(1000, o.ttlMs) },
    faultHandling: { host: () => passThrough(1) as never, global: passThrough(o.endpoints.length) as never },
  };
  if (o.tls)
    etcdOptions.credentials = {
      rootCertificate: o.tls.ca,
      ...(o.tls.key ? { privateKey: o.tls.key } : {}),
      ...(o.tls.cert ? { certChain: o.tls.cert } : {}),
    };
  if (o.auth) etcdOptions.auth = o.auth;
  return new Etcd3(etcdOptions);
}

/** Bounds a request on the monotonic clock (gRPC deadlines would read the wall clock). */
export function boundedCall<T>(clock: Clock, what: string, fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(
      () => reject(new FailoverError('HOLDFAST_E_COORDINATOR', `etcd ${what} timed out after ${Math.round(timeoutMs)} ms`)),
      timeoutMs,
    );
    fn().then(
      (v) => {
        timer.cancel();
        resolve(v);
      },
      (err: unknown) => {
        timer.cancel();
        reject(err instanceof Error ? err : new FailoverError('HOLDFAST_E_COORDINATOR', `etcd ${what} failed: ${String(err)}`));
      },
    );
  });
}

/** One keep-alive round trip on its own stream: the TTL etcd reports (≤ 0: the lease is gone). */
export async function keepAliveOnce(client: Etcd3, clock: Clock, leaseId: string, timeoutMs: number): Promise<number> {
  const stream = await client.leaseClient.leaseKeepAlive();
  // Cancelled at the request timeout too, so a hung etcd does not pile up open streams.
  const timer = clock.setTimeout(() => stream.cancel(), timeoutMs);
  try {
    return await new Promise<number>((resolve, reject) => {
      stream.on('data', (res) => resolve(Number(res.TTL)));
      stream.on('error', reject);
      stream.on('end', () =>
        reject(new FailoverError('HOLDFAST_E_COORDINATOR', `etcd ended the keep-alive stream of lease ${leaseId} without an answer`)),
      );
      stream.write({ ID: leaseId });
    });
  } finally {
    timer.cancel();
    stream.cancel();
  }
}

/** The end of etcd's range for "every key with this prefix": the prefix with its last byte incremented. */
export function rangeEnd(prefix: string): Buffer {
  const b = Buffer.from(prefix);
  b[b.length - 1] = b[b.length - 1]! + 1;
  return b;
}
