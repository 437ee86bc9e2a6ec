// What the `holdfast failover …` commands share: finding the agent's status endpoint and its
// status token from a config or a socket path, reading its error answers, and printing durations.
import { dirname } from 'node:path';
import { HoldfastError } from '@holdfast/config/errors';
import type { StatusEndpoint } from '@holdfast/failover';
import { UsageError } from '../errors.ts';

export interface AgentAccess {
  endpoint: StatusEndpoint;
  /** Sent as the bearer token: $HOLDFAST_FAILOVER_TOKEN, the configured one, or the agent's generated token file. */
  token: string | undefined;
}

type Flag = string | boolean | undefined;

export async function endpointFrom(values: { config?: Flag; socket?: Flag; node?: Flag }): Promise<AgentAccess> {
  const f = await import('@holdfast/failover');
  if (typeof values.socket === 'string') {
    return { endpoint: { socket: values.socket }, token: f.clientToken({ token: undefined, tokenFile: `${values.socket}.token` }) };
  }
  if (typeof values.config !== 'string') {
    throw new UsageError("which agent? Pass -c <cluster.yaml> (the agent's config) or --socket <path> (its status socket)");
  }
  if (typeof values.node === 'string') process.env.HOLDFAST_NODE = values.node;
  const c = f.loadClusterConfig(values.config);
  const node = typeof values.node === 'string' ? values.node : c.node;
  const access = f.statusAccessFor(c, dirname(values.config), node);
  return { endpoint: access.endpoint, token: f.clientToken(access) };
}

export function seconds(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  return ms >= 10_000 ? `${(ms / 1000).toFixed(0)} s` : `${(ms / 1000).toFixed(2)} s`;
}

export const endpointOptions = {
  config: { type: 'string', short: 'c' },
  socket: { type: 'string' },
  node: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** An error answer of the agent, rethrown with the agent's own code and message (already complete). */
export function agentAnswerError(status: number, json: unknown, fallbackCode = 'HOLDFAST_E_INTERNAL'): HoldfastError {
  const e = (json as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  const code = typeof e?.code === 'string' ? e.code : fallbackCode;
  const message = typeof e?.message === 'string' ? e.message : `the agent answered ${status}: ${JSON.stringify(json)}`;
  return new HoldfastError(code, message, { status });
}
