// Who may talk to an agent's status endpoint, and where a client finds it.
//
//   - The endpoint is a unix socket in a directory only the agent's user can enter (0700), or a
//     TCP port that binds loopback unless a status token is configured.
//   - Reads (GET /status, /metrics, /events) are open to whoever reaches the endpoint, except on
//     a non-loopback bind, where they need the token too.
//   - POST /switchover always needs the token (`Authorization: Bearer <token>`): the configured
//     status.token/tokenFile, or else one the agent generates at start and writes, mode 0600, to
//     a file in the same private directory (the CLI of the same user, or root, reads it there).
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ClusterConfig } from './config.ts';
import { readSecret } from './secret.ts';

export type StatusEndpoint = { socket: string } | { host: string; port: number };

/** Env variable a client may set instead of reading the token file. */
export const STATUS_TOKEN_ENV = 'HOLDFAST_FAILOVER_TOKEN';

/**
 * The agent's private runtime directory: root /run/holdfast/failover, else
 * $XDG_RUNTIME_DIR/holdfast-failover, else /tmp/holdfast-failover-<uid>.
 */
export function defaultStatusDir(): string {
  const uid = process.geteuid?.() ?? 0;
  if (uid === 0) return '/run/holdfast/failover';
  if (process.env.XDG_RUNTIME_DIR) return join(process.env.XDG_RUNTIME_DIR, 'holdfast-failover');
  // A direct child of the sticky /tmp: no other user can rename or replace it once it is ours.
  return join(tmpdir(), `holdfast-failover-${uid}`);
}

export function defaultStatusSocket(cluster: string, node: string): string {
  return join(defaultStatusDir(), `${cluster}-${node}.sock`);
}

export function describeEndpoint(e: StatusEndpoint): string {
  return 'socket' in e ? e.socket : `${e.host}:${e.port}`;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Where an agent without a configured token writes the one it generated: beside its socket, or in the private runtime dir. */
export function generatedTokenFile(endpoint: StatusEndpoint, cluster: string, node: string): string {
  return 'socket' in endpoint ? `${endpoint.socket}.token` : join(defaultStatusDir(), `${cluster}-${node}.token`);
}

export interface StatusAccess {
  endpoint: StatusEndpoint;
  /** The configured token (status.token or tokenFile), if any. */
  token: string | undefined;
  /** Where the agent writes a generated token when none is configured. */
  tokenFile: string;
}

/** The endpoint and token of the agent a config describes (`node` overrides the config's). */
export function statusAccessFor(c: ClusterConfig, baseDir: string, node = c.node): StatusAccess {
  const s = c.status;
  const endpoint: StatusEndpoint = s.listen
    ? { host: s.listen.host, port: s.listen.port }
    : { socket: s.socket ? resolve(baseDir, s.socket) : defaultStatusSocket(c.name, node) };
  const configured =
    s.token !== undefined || s.tokenFile !== undefined
      ? readSecret(s.token, s.tokenFile && resolve(baseDir, s.tokenFile), 'status.tokenFile').toString('utf8')
      : undefined;
  return { endpoint, token: configured, tokenFile: generatedTokenFile(endpoint, c.name, node) };
}

/**
 * The token a client sends: $HOLDFAST_FAILOVER_TOKEN, the configured one, or the agent's generated
 * file (undefined if none can be read).
 */
export function clientToken(access: Pick<StatusAccess, 'token' | 'tokenFile'>): string | undefined {
  const env = process.env[STATUS_TOKEN_ENV];
  if (env) return env;
  if (access.token) return access.token;
  try {
    return readFileSync(access.tokenFile, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
