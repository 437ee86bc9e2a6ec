// A real redis-server for tests, on a free port, without persistence, killed when the test ends.
// kill() and restart() simulate an outage and a recovery on the same port.
import type { TestContext } from 'node:test';
import { freePort, startChild, type Child } from '@holdfast/testkit';

export interface TestRedis {
  port: number;
  url: string;
  kill(): Promise<void>;
  restart(): Promise<void>;
}

export async function startRedis(t: Pick<TestContext, 'after'>): Promise<TestRedis> {
  const port = await freePort();
  let child: Child | undefined;
  const start = async () => {
    child = startChild(t, 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {});
    await child.waitForLine('Ready to accept connections', 10_000);
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      child?.kill('SIGKILL');
      await child?.exited;
    },
    restart: start,
  };
}
