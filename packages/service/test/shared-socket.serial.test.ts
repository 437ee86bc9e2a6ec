// Instances sharing one listening socket by fd (the systemd protocol the supervisor uses):
// replacing them one at a time under load drops nothing. The parent holds the socket bound but
// never accepts on it; each child listens on its copy (fd 3), and a draining child simply stops
// accepting while its siblings keep taking connections from the same kernel queue.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { fileURLToPath } from 'node:url';
import { test, type TestContext } from 'node:test';
import { cleanup, startChild, waitFor, type Child } from '@holdfast/testkit';
import { newLoadResult, runLoad } from './helpers.ts';

const fixture = fileURLToPath(new URL('./fixtures/app.ts', import.meta.url));

/** A TCP socket bound to a free loopback port, not listening: nothing in this process accepts. */
function boundSocket(t: TestContext): { fd: number; port: number } {
  const create = (
    net as unknown as {
      _createServerHandle: (a: string, p: number, t: number) => { fd: number; getsockname(o: object): void; close(): void };
    }
  )._createServerHandle;
  const handle = create('127.0.0.1', 0, 4);
  const addr: { port?: number } = {};
  handle.getsockname(addr);
  cleanup(t, () => handle.close());
  return { fd: handle.fd, port: addr.port! };
}

async function instance(t: TestContext, fd: number, n: number): Promise<Child> {
  const child = startChild(t, process.execPath, [fixture], {
    env: { ...process.env, LISTEN_FDS: '1', LISTEN_FDNAMES: 'http', DELAY_MS: '0', GRACE_MS: '10000', INSTANCE: String(n) },
    extraStdio: [fd],
  });
  await child.waitForLine('"state":"READY"', 20_000);
  return child;
}

test('replacing instances on a shared socket one by one under keep-alive and close load: 0 failed, 0 resets', async (t) => {
  const { fd, port } = boundSocket(t);
  const url = `http://127.0.0.1:${port}`;
  const running = [await instance(t, fd, 0), await instance(t, fd, 1)];
  const live = newLoadResult();
  let stop = false;
  const load = runLoad(url, { keepAliveClients: 6, closeClients: 2, paths: ['/hello', '/items/3', '/slow?ms=20'], stop: () => stop, live });
  await waitFor('load running', () => live.ok >= 100, { timeoutMs: 30_000 });

  const replacements = 6;
  for (let i = 0; i < replacements; i++) {
    // Start-before-stop: the new instance is ready before the old one drains.
    const fresh = await instance(t, fd, 2 + i);
    const old = running.shift()!;
    const before = live.ok;
    old.kill('SIGTERM');
    const exit = await old.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, `instance drained cleanly (replacement ${i + 1})`);
    running.push(fresh);
    await waitFor('requests keep flowing', () => live.ok >= before + 50, { timeoutMs: 30_000 });
  }
  stop = true;
  const result = await load;
  t.diagnostic(
    `${replacements} replacements: ${result.sent} requests, ${result.ok} ok, ${result.failed.length} failed, ${result.resets} resets`,
  );
  assert.deepEqual(result.failed, []);
  assert.equal(result.resets, 0);
});
