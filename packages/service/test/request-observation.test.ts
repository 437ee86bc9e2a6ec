// The request line and request metrics are taken when the raw response closes (http/observe.ts),
// with the route template and request logger handed over by Fastify's child-logger factory.
// These cover the cases that path has to get right besides a plain 200: routes inside prefixed
// plugins, 404s, errors, clients that leave early, a proxy in front, and a route's own logger.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { cleanup, tempDir, waitFor } from '@holdfast/testkit';
import { createService, type Service } from '../src/index.ts';
import type { ServiceOptions } from '../src/options.ts';
import { get } from './helpers.ts';

type Line = Record<string, unknown>;

async function serve(
  t: TestContext,
  setup: (s: Service) => void,
  options: Partial<ServiceOptions> = {},
): Promise<{ service: Service; lines: () => Line[] }> {
  const file = join(tempDir(t), 'service.log');
  const service = createService({
    name: 'obs',
    port: 0,
    host: '127.0.0.1',
    handleSignals: false,
    handleProcessErrors: false,
    shutdownDelayMs: 0,
    logger: { destination: file },
    ...options,
  });
  setup(service);
  cleanup(t, () => service.stop());
  await service.start();
  const lines = () => {
    (service.logger as unknown as { flush: () => void }).flush();
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Line)
      .filter((l) => l.msg === 'request');
  };
  return { service, lines };
}

const seriesOf = async (service: Service) =>
  (await get(service.url + '/metrics')).body!.split('\n').filter((l) => l.startsWith('holdfast_http_requests_total{'));

test('routes in prefixed plugins, HEAD and 404s are labelled by template; each line carries the request id', async (t) => {
  const { service, lines } = await serve(t, (s) => {
    void s.app.register(
      async (api) => {
        api.get('/items/:id', async () => ({ ok: true }));
      },
      { prefix: '/api' },
    );
  });
  await get(service.url + '/api/items/7', { headers: { 'x-request-id': 'given-1' } });
  await get(service.url + '/api/items/8', { method: 'HEAD' });
  await get(service.url + '/nope/9');
  await waitFor('three request lines', () => lines().length >= 3);
  const [a, b, c] = lines();
  assert.deepEqual([a!.route, a!.url, a!.statusCode, a!.requestId], ['/api/items/:id', '/api/items/7', 200, 'given-1']);
  assert.deepEqual([b!.method, b!.route, b!.statusCode], ['HEAD', '/api/items/:id', 200]);
  assert.deepEqual([c!.route, c!.statusCode], ['__unmatched__', 404]);
  assert.match(String(c!.requestId), /^[0-9a-f]{12}-\d+$/, 'a 404 line has a request id too');
  const series = await seriesOf(service);
  assert.ok(
    series.some((l) => l.includes('method="GET"') && l.includes('route="/api/items/:id"') && l.endsWith(' 1')),
    series.join('\n'),
  );
  assert.ok(series.some((l) => l.includes('method="HEAD"') && l.includes('route="/api/items/:id"')));
  assert.ok(series.some((l) => l.includes('route="__unmatched__"') && l.includes('status="404"')));
});

test('a failing handler: the line is an error line with the error and the route; a validation 400 keeps its route', async (t) => {
  const { service, lines } = await serve(t, (s) => {
    s.app.get('/boom/:id', async () => {
      throw new Error('kaput');
    });
    s.app.get(
      '/strict',
      { schema: { querystring: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] } } },
      async () => ({ ok: true }),
    );
  });
  const boom = await get(service.url + '/boom/1', { headers: { 'x-request-id': 'req-boom' } });
  assert.equal(boom.status, 500);
  const bad = await get(service.url + '/strict?n=x');
  assert.equal(bad.status, 400);
  await waitFor('two request lines', () => lines().length >= 2);
  const [e, v] = lines();
  assert.equal(e!.level, 50);
  assert.equal(e!.route, '/boom/:id');
  assert.equal(e!.requestId, 'req-boom');
  assert.match(String((e!.err as { stack?: string }).stack), /kaput/);
  assert.deepEqual([v!.route, v!.statusCode, v!.level], ['/strict', 400, 30]);
});

test('a client that leaves before the response: the request is recorded as 499, aborted', async (t) => {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let arrived = false;
  const { service, lines } = await serve(t, (s) => {
    s.app.get('/slow', async () => {
      arrived = true;
      await held;
      return { late: true };
    });
  });
  const req = request(service.url + '/slow');
  req.on('error', () => {});
  req.end();
  await waitFor('the request reached the handler', () => arrived);
  req.destroy();
  await waitFor('the line of the abandoned request', () => lines().length >= 1);
  release();
  const [l] = lines();
  assert.deepEqual([l!.route, l!.statusCode, l!.aborted], ['/slow', 499, true]);
  const series = await seriesOf(service);
  assert.ok(
    series.some((s) => s.includes('route="/slow"') && s.includes('status="499"')),
    series.join('\n'),
  );
});

test('behind a trusted proxy the address is the forwarded client; a route keeps its own child-logger factory', async (t) => {
  const { service, lines } = await serve(
    t,
    (s) => {
      s.app.get(
        '/custom',
        {
          childLoggerFactory: function (logger, bindings, opts) {
            return logger.child({ ...bindings, tenant: 'acme' }, opts);
          },
        },
        async (req) => {
          req.log.info({ inside: true }, 'handler line');
          throw Object.assign(new Error('teapot'), { statusCode: 503 });
        },
      );
    },
    { fastify: { trustProxy: true } },
  );
  const r = await get(service.url + '/custom', { headers: { 'x-forwarded-for': '198.18.0.77' } });
  assert.equal(r.status, 503);
  await waitFor('the request line', () => lines().length >= 1);
  const [l] = lines();
  assert.equal(l!.remoteAddress, '198.18.0.77');
  assert.equal(l!.route, '/custom');
  assert.equal(l!.tenant, 'acme', "the line goes through the route's own request logger");
});
