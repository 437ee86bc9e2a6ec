// The service's own HTTP server gets the options Fastify would set on a server it made itself:
// the keep-alive timeout shows in every keep-alive response, and the application's values win.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { cleanup, tempDir } from '@holdfast/testkit';
import { createService } from '@holdfast/service';

async function keepAliveHeader(
  t: Parameters<typeof cleanup>[0],
  fastify: Record<string, unknown> | undefined,
): Promise<{ header: string | undefined; requestTimeout: number }> {
  const s = createService({
    port: 0,
    host: '127.0.0.1',
    handleSignals: false,
    handleProcessErrors: false,
    logger: { destination: join(tempDir(t), 'service.log') },
    memory: { enabled: false, signal: false },
    ...(fastify ? { fastify } : {}),
  });
  s.app.get('/', async () => 'ok');
  cleanup(t, async () => {
    await s.stop('test');
  });
  const { port } = await s.start();
  const header = await new Promise<string | undefined>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { connection: 'keep-alive' }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => {
        const v = res.headers['keep-alive'];
        resolve(Array.isArray(v) ? v.join(', ') : v);
      });
    });
    req.on('error', reject);
    req.end();
  });
  return { header, requestTimeout: s.app.server.requestTimeout };
}

test("Fastify's keep-alive timeout (72 s) by default, not Node's 5 s", async (t) => {
  const r = await keepAliveHeader(t, undefined);
  assert.equal(r.header, 'timeout=72');
});

test("the application's own Fastify server options are applied", async (t) => {
  const r = await keepAliveHeader(t, { keepAliveTimeout: 90_000, requestTimeout: 12_345 });
  assert.equal(r.header, 'timeout=90');
  assert.equal(r.requestTimeout, 12_345);
});
