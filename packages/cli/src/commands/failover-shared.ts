// What the `holdfast failover …` commands share: finding the agent's status endpoint from a
// config or a socket path, and printing durations.
import type { StatusEndpoint } from '@holdfast/failover';
import { UsageError } from '../command.ts';

export async function endpointFrom(values: { config?: string | boolean; socket?: string | boolean; node?: string | boolean }): Promise<StatusEndpoint> {
  if (typeof values.socket === 'string') return { socket: values.socket };
  if (typeof values.config !== 'string') throw new UsageError('which agent? Pass -c <cluster.yaml> (the agent\'s config) or --socket <path> (its status socket)');
  const f = await import('@holdfast/failover');
  if (typeof values.node === 'string') process.env.HOLDFAST_NODE = values.node;
  const c = f.loadClusterConfig(values.config);
  const node = typeof values.node === 'string' ? values.node : c.node;
  if (c.status.listen) return { host: c.status.listen.host, port: c.status.listen.port };
  return { socket: c.status.socket ?? f.defaultStatusSocket(c.name, node) };
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
