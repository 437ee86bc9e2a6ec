// A real etcd for integration tests: one member on free loopback ports, its data in a temp
// dir, killed and removed when the test ends.
import type { TestContext } from 'node:test';
import { startChild } from './child.ts';
import { freePort } from './free-port.ts';
import { tempDir } from './temp-dir.ts';
import { waitFor } from './wait.ts';

export interface EtcdServer {
  endpoint: string;
  pid: number;
  kill(signal?: NodeJS.Signals): void;
}

/** Starts etcd; `fast` uses --heartbeat-interval 100 --election-timeout 500, so it grants 1 s leases. */
export async function startEtcd(
  t: Pick<TestContext, 'after'>,
  { fast = false, clientPort }: { fast?: boolean; clientPort?: number } = {},
): Promise<EtcdServer> {
  const dir = tempDir(t, 'holdfast-etcd-');
  const client = clientPort ?? (await freePort());
  const peer = await freePort();
  const endpoint = `http://127.0.0.1:${client}`;
  const args = [
    '--name',
    'default',
    '--data-dir',
    `${dir}/data`,
    '--listen-client-urls',
    endpoint,
    '--advertise-client-urls',
    endpoint,
    '--listen-peer-urls',
    `http://127.0.0.1:${peer}`,
    '--initial-advertise-peer-urls',
    `http://127.0.0.1:${peer}`,
    '--initial-cluster',
    `default=http://127.0.0.1:${peer}`,
    '--log-level',
    'error',
    ...(fast ? ['--heartbeat-interval', '100', '--election-timeout', '500'] : []),
  ];
  const child = startChild(t, 'etcd', args);
  await waitFor(
    'etcd to answer /health',
    async () => {
      const res = await fetch(`${endpoint}/health`).catch(() => undefined);
      return res?.ok && ((await res.json()) as { health?: string }).health === 'true';
    },
    { timeoutMs: 20_000, intervalMs: 50 },
  );
  return { endpoint, pid: child.pid, kill: (s) => child.kill(s) };
}

/** A real `members`-member etcd cluster on loopback (each member on its own free ports). */
export async function startEtcdCluster(t: Pick<TestContext, 'after'>, members: number): Promise<{ endpoints: string[] }> {
  const dir = tempDir(t, 'holdfast-etcd-cluster-');
  const ports = await Promise.all(Array.from({ length: members }, async () => ({ client: await freePort(), peer: await freePort() })));
  const initial = ports.map((p, i) => `m${i}=http://127.0.0.1:${p.peer}`).join(',');
  const endpoints = ports.map((p) => `http://127.0.0.1:${p.client}`);
  ports.forEach((p, i) => {
    startChild(t, 'etcd', [
      '--name',
      `m${i}`,
      '--data-dir',
      `${dir}/m${i}`,
      '--listen-client-urls',
      endpoints[i]!,
      '--advertise-client-urls',
      endpoints[i]!,
      '--listen-peer-urls',
      `http://127.0.0.1:${p.peer}`,
      '--initial-advertise-peer-urls',
      `http://127.0.0.1:${p.peer}`,
      '--initial-cluster',
      initial,
      '--initial-cluster-state',
      'new',
      '--log-level',
      'error',
    ]);
  });
  await waitFor(
    'the etcd cluster to elect a leader',
    async () => {
      const res = await fetch(`${endpoints[0]}/health`).catch(() => undefined);
      return res?.ok && ((await res.json()) as { health?: string }).health === 'true';
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  return { endpoints };
}
