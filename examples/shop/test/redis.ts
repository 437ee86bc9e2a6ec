// A real redis-server for the shop tests, on a free port, no persistence; kill() for outages.
import type { TestContext } from 'node:test';
import { freePort, startChild } from '@holdfast/testkit';

export async function startRedis(t: TestContext): Promise<{ url: string; kill: () => Promise<void> }> {
  const port = await freePort();
  const child = startChild(t, 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  await child.waitForLine('Ready to accept connections', 10_000);
  return {
    url: `redis://127.0.0.1:${port}`,
    kill: async () => {
      child.kill('SIGKILL');
      await child.exited;
    },
  };
}
