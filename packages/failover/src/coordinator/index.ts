// Builds the coordinator a config names. One backend per file; this is the only place that
// knows them all.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Clock } from '../clock.ts';
import type { ClusterConfig } from '../config.ts';
import { FailoverError } from '../errors.ts';
import type { Coordinator } from './coordinator.ts';
import { EtcdCoordinator } from './etcd.ts';
import { LocalCoordinator } from './local.ts';

export interface CoordinatorDeps {
  clock: Clock;
  ttlMs: number;
  /** Relative file paths in the config (TLS, password files) are resolved against it. */
  baseDir: string;
  onWarning: (message: string, details: Record<string, unknown>) => void;
}

function readFile(baseDir: string, file: string, what: string): Buffer {
  const path = resolve(baseDir, file);
  try {
    return readFileSync(path);
  } catch (err) {
    throw new FailoverError('HOLDFAST_E_CONFIG', `coordinator.${what}: cannot read ${path}: ${(err as Error).message}`, { file: path });
  }
}

export function createCoordinator(config: ClusterConfig, deps: CoordinatorDeps): Coordinator {
  const c = config.coordinator;
  if (c.kind === 'local')
    return new LocalCoordinator({ dir: resolve(deps.baseDir, c.dir), cluster: config.name, ttlMs: deps.ttlMs, clock: deps.clock });
  return new EtcdCoordinator({
    endpoints: c.endpoints,
    cluster: config.name,
    prefix: c.prefix,
    ttlMs: deps.ttlMs,
    clock: deps.clock,
    onWarning: deps.onWarning,
    ...(c.requestTimeout !== undefined ? { requestTimeoutMs: c.requestTimeout } : {}),
    connectTimeoutMs: c.connectTimeout,
    ...(c.tls
      ? {
          tls: {
            ca: readFile(deps.baseDir, c.tls.ca, 'tls.ca'),
            ...(c.tls.cert ? { cert: readFile(deps.baseDir, c.tls.cert, 'tls.cert') } : {}),
            ...(c.tls.key ? { key: readFile(deps.baseDir, c.tls.key, 'tls.key') } : {}),
          },
        }
      : {}),
    ...(c.auth
      ? {
          auth: {
            username: c.auth.username,
            password: c.auth.password ?? readFile(deps.baseDir, c.auth.passwordFile!, 'auth.passwordFile').toString('utf8').trim(),
          },
        }
      : {}),
  });
}

export { EtcdCoordinator, type EtcdCoordinatorOptions } from './etcd.ts';
export { LocalCoordinator, type LocalCoordinatorOptions } from './local.ts';
export * from './coordinator.ts';
