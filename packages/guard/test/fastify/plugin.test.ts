import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import { cleanup, tempDir, waitFor } from '@holdfast/testkit';
import { type GuardRules, createGuard } from '../../src/index.ts';
import { guardPlugin, type GuardPluginOptions } from '../../src/fastify-entry.ts';

async function app(
  t: Parameters<typeof cleanup>[0],
  opts: GuardPluginOptions,
  routes: (f: FastifyInstance) => void,
): Promise<{ f: FastifyInstance; url: string }> {
  const f = Fastify();
  await f.register(guardPlugin, { ...opts, guard: opts.guard ?? createGuard({ autoSample: false }) });
  routes(f);
  const url = await f.listen({ port: 0, host: '127.0.0.1' });
  cleanup(t, () => f.close());
  return { f, url };
}

const basic = (f: FastifyInstance) => {
  f.get('/items/:id', async (req) => ({ id: (req.params as { id: string }).id }));
  f.get('/livez', async () => 'ok');
  f.get('/metrics', async () => 'metrics');
  f.get('/fail', async (_req, reply) => reply.code(500).send({ boom: true }));
  f.get('/missing', async (_req, reply) => reply.code(404).send({}));
};

describe('fastify plugin', () => {
  it(
    'warns at start and on every reload for a rule whose route does not exist, naming the closest route; other ' +
      'resources are left alone',
    async (t) => {
      const warnings: string[] = [];
      const guard = createGuard({ autoSample: false, logger: { info() {}, warn: (_o, m) => void warnings.push(m), error() {} } });
      const rules: GuardRules = {
        flow: [
          { id: 'visits', resource: 'GET /visits/:id', threshold: 10 }, // the route is /visits/:page
          { id: 'items', resource: 'GET /items/:id', threshold: 10 },
          { id: 'payments', resource: 'payments', threshold: 10 }, // an outbound call, not a route
        ],
      };
      await app(t, { guard, rules }, (f) => {
        f.get('/visits/:page', async () => 'ok');
        f.get('/items/:id', async () => 'ok');
      });
      assert.deepEqual(warnings, [
        `guard: rule 'visits' names 'GET /visits/:id', which matches no route of this app: it protects nothing (did you ` +
          `mean 'GET /visits/:page'?)`,
      ]);
      guard.loadRules({ breakers: [{ id: 'b', resource: 'POST /item/:id', strategy: 'errorRatio', threshold: 0.5 }] });
      assert.equal(warnings.length, 2, 'a reload is checked too');
      assert.match(
        warnings[1]!,
        /rule 'b' names 'POST \/item\/:id', which matches no route of this app: it protects nothing \(did you mean 'GET \/items\/:id'\?\)/,
      );
      guard.loadRules({ flow: [{ id: 'items', resource: 'GET /items/:id', threshold: 5 }] });
      assert.equal(warnings.length, 2, 'rules that match say nothing');
    },
  );

  it('names resources by method and route template, and answers flow blocks with 429, Retry-After and RateLimit fields', async (t) => {
    const rules: GuardRules = { flow: [{ id: 'items-qps', resource: 'GET /items/:id', threshold: 3 }] };
    const { f, url } = await app(t, { rules }, basic);
    const statuses: number[] = [];
    let blocked: Response | undefined;
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${url}/items/${i}`);
      statuses.push(res.status);
      if (res.status === 429) blocked = res;
      else await res.arrayBuffer();
    }
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
    assert.equal(blocked!.headers.get('retry-after'), '1');
    assert.equal(blocked!.headers.get('ratelimit-policy'), '"items-qps";q=3;w=1');
    assert.equal(blocked!.headers.get('ratelimit'), '"items-qps";r=0;t=1');
    const body = (await blocked!.json()) as Record<string, unknown>;
    assert.equal(body.code, 'HOLDFAST_E_BLOCKED_FLOW');
    assert.equal(body.reason, 'flow');
    assert.equal(body.rule, 'items-qps');
    const names = f.guard.snapshot().resources.map((r) => r.resource);
    assert.deepEqual(names, ['GET /items/:id'], 'one resource for five URLs');
  });

  it('counts 5xx as errors (not 4xx): an error breaker opens and answers 503 with Retry-After', async (t) => {
    const rules: GuardRules = {
      breakers: [
        { id: 'fail-b', resource: 'GET /fail', strategy: 'errorRatio', threshold: 0.5, minRequestAmount: 3, retryTimeoutMs: 30_000 },
        { id: 'missing-b', resource: 'GET /missing', strategy: 'errorRatio', threshold: 0.5, minRequestAmount: 3 },
      ],
    };
    const { f, url } = await app(t, { rules }, basic);
    for (let i = 0; i < 3; i++) await (await fetch(`${url}/fail`)).arrayBuffer();
    for (let i = 0; i < 5; i++) assert.equal((await fetch(`${url}/missing`)).status, 404, '4xx is the client’s fault: no breaking');
    const res = await fetch(`${url}/fail`);
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '30');
    assert.equal(res.headers.get('ratelimit'), null, 'no RateLimit fields for a breaker');
    assert.equal(((await res.json()) as { code: string }).code, 'HOLDFAST_E_BLOCKED_BREAKER');
    const stats = f.guard.snapshot().resources.find((r) => r.resource === 'GET /fail')!;
    assert.equal(stats.error, 3);
  });

  it('exempts health and metrics routes: never entered, never blocked', async (t) => {
    const g = createGuard({ autoSample: false, rules: { isolation: [{ id: 'none', resource: 'GET /livez', maxConcurrency: 0 }] } });
    const { url } = await app(t, { guard: g }, basic);
    for (let i = 0; i < 5; i++) {
      assert.equal((await fetch(`${url}/livez`)).status, 200);
      assert.equal((await fetch(`${url}/metrics`)).status, 200);
    }
    assert.equal(g.snapshot().resources.find((r) => r.resource === 'GET /livez')!.pass, 0);
  });

  it('serves a route fallback instead of the block answer', async (t) => {
    const { url } = await app(t, { rules: { isolation: [{ id: 'iso', resource: 'GET /degraded', maxConcurrency: 0 }] } }, (f) => {
      f.get(
        '/degraded',
        { config: { guard: { fallback: (_req, reply, err) => reply.code(200).send({ degraded: true, because: err.reason }) } } },
        async () => ({ fresh: true }),
      );
    });
    const res = await fetch(`${url}/degraded`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { degraded: true, because: 'concurrency' });
  });

  it('counts responses slower than timeoutMs as errors', async (t) => {
    const rules: GuardRules = { breakers: [{ id: 'slow', resource: 'GET /slow', strategy: 'consecutiveFailures', threshold: 2 }] };
    const { url } = await app(t, { rules, timeoutMs: 30 }, (f) => {
      f.get('/slow', async () => {
        await delay(60);
        return { ok: true };
      });
    });
    assert.equal((await fetch(`${url}/slow`)).status, 200);
    assert.equal((await fetch(`${url}/slow`)).status, 200);
    assert.equal((await fetch(`${url}/slow`)).status, 503, 'two timeouts in a row opened the breaker');
  });

  it('per-key rules take the key from the request (route config or plugin option)', async (t) => {
    const rules: GuardRules = { hotspot: [{ id: 'per-tenant', resource: 'GET /items/:id', threshold: 2, overrides: { big: 4 } }] };
    const { url } = await app(t, { rules, key: (req) => req.headers['x-tenant'] }, basic);
    const hit = async (tenant: string) => (await fetch(`${url}/items/1`, { headers: { 'x-tenant': tenant } })).status;
    assert.deepEqual([await hit('a'), await hit('a'), await hit('a')], [200, 200, 429]);
    assert.deepEqual([await hit('big'), await hit('big'), await hit('big'), await hit('big'), await hit('big')], [200, 200, 200, 200, 429]);
    const res = await fetch(`${url}/items/1`, { headers: { 'x-tenant': 'a' } });
    assert.equal(res.headers.get('ratelimit-policy'), '"per-tenant";q=2;w=1');
  });

  it('holds throttled requests for their slot instead of rejecting them', async (t) => {
    const rules: GuardRules = {
      flow: [{ id: 'pace', resource: 'GET /items/:id', threshold: 20, behavior: 'throttling', maxQueueingTimeMs: 5000 }],
    };
    const { url } = await app(t, { rules }, basic);
    const start = performance.now();
    const statuses = await Promise.all(Array.from({ length: 6 }, (_, i) => fetch(`${url}/items/${i}`).then((r) => r.status)));
    const took = performance.now() - start;
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200]);
    assert.ok(took >= 200, `6 requests at 20/s take >= 250 ms of pacing, took ${took.toFixed(0)} ms`);
  });

  it('frees the throttled slot of a client that leaves while queued', async (t) => {
    const g = createGuard({
      autoSample: false,
      rules: { flow: [{ id: 'pace', resource: 'GET /items/:id', threshold: 1, behavior: 'throttling', maxQueueingTimeMs: 10_000 }] },
    });
    const { url } = await app(t, { guard: g }, basic);
    assert.equal((await fetch(`${url}/items/1`)).status, 200); // takes the slot of this second
    const { hostname, port } = new URL(url);
    const socket = connect({ host: hostname, port: Number(port) });
    cleanup(t, () => socket.destroy());
    await once(socket, 'connect');
    socket.write(`GET /items/2 HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
    await waitFor('the request to be queued', () => g.snapshot().resources[0]!.inflight === 1);
    socket.destroy();
    await waitFor('the queued entry to be cancelled', () => g.snapshot().resources[0]!.cancelled === 1);
    const s = g.snapshot().resources[0]!;
    assert.equal(s.inflight, 0);
    assert.equal(s.success, 1);
  });

  it('loads rules from a file', async (t) => {
    const file = join(tempDir(t), 'rules.yaml');
    writeFileSync(file, 'flow:\n  - id: f\n    resource: GET /items/:id\n    threshold: 1\n');
    const { url } = await app(t, { rulesFile: file }, basic);
    assert.equal((await fetch(`${url}/items/1`)).status, 200);
    assert.equal((await fetch(`${url}/items/1`)).status, 429);
  });

  it('critical routes are never shed by system protection', async (t) => {
    const g = createGuard({
      autoSample: false,
      random: () => 0,
      rules: { system: { inboundConcurrency: 1, smoothing: 1, riseStep: 1, bbrWindowMs: 1000, bbrBuckets: 10 } },
    });
    let release: () => void = () => {};
    let gate: Promise<void> = Promise.resolve();
    const { url } = await app(t, { guard: g }, (f) => {
      f.get('/work', async () => {
        await gate;
        return 'done';
      });
      f.get('/important', { config: { guard: { priority: 'critical' } } }, async () => 'yes');
    });
    // A BBR history of completions at low concurrency, in buckets that have completed.
    for (let i = 0; i < 5; i++) await (await fetch(`${url}/work`)).text();
    await delay(150);
    gate = new Promise((r) => (release = r));
    const inflight = Array.from({ length: 8 }, () => fetch(`${url}/work`).then((r) => r.status));
    await waitFor('8 requests in flight', () => g.snapshot().system!.inflight === 8);
    g.updateSignals();
    assert.ok(g.snapshot().system!.level > 0, 'armed');
    assert.equal((await fetch(`${url}/important`)).status, 200);
    const shedOne = await fetch(`${url}/work`);
    assert.equal(shedOne.status, 503);
    assert.equal(((await shedOne.json()) as { code: string }).code, 'HOLDFAST_E_BLOCKED_SYSTEM');
    release();
    assert.deepEqual(await Promise.all(inflight), [200, 200, 200, 200, 200, 200, 200, 200]);
  });
});
