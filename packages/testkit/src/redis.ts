// A real redis-server for tests, on a free port, without persistence, killed when the test ends.
// kill() and restart() simulate an outage and a recovery on the same port.
import type { TestContext } from 'node:test';
import { type Child, startChild } from './child.ts';
import { freePort } from './free-port.ts';

export interface TestRedis {
  port: number;
  url: string;
  /** The running server's pid (changes on restart). */
  pid(): number;
  kill(): Promise<void>;
  restart(): Promise<void>;
}

export interface StartRedisOptions {
  /** Extra redis-server arguments, e.g. ['--enable-debug-command', 'local'] to make it slow with DEBUG SLEEP. */
  args?: string[];
}

export async function startRedis(t: Pick<TestContext, 'after'>, options: StartRedisOptions = {}): Promise<TestRedis> {
  const port = await freePort();
  let child: Child | undefined;
  const start = async () => {
    child = startChild(
      t,
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...(options.args ?? [])],
      {},
    );
    await child.waitForLine('Ready to accept connections', 10_000);
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: () => child?.pid ?? -1,
    async kill() {
      child?.kill('SIGKILL');
      await child?.exited;
    },
    restart: start,
  };
}
