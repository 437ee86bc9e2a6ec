// Memory forensics on real services: a leak injected into a running service is flagged (and
// garbage churn is not), the admin endpoint needs the token, a full snapshot is refused for a
// sampling profile when headroom is short, the cooldown holds, and a signal takes a capture.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test, type TestContext } from 'node:test';
import { cleanup, startChild, tempDir, waitFor } from '@holdfast/testkit';
import { createService, type ServiceOptions } from '../src/index.ts';
import { get, logLines } from './helpers.ts';

const TOKEN = 'test-admin-token-0123456789';
const fixture = fileURLToPath(new URL('./fixtures/memory-app.ts', import.meta.url));

async function started(t: TestContext, options: ServiceOptions) {
  const s = createService({
    port: 0,
    host: '127.0.0.1',
    handleSignals: false,
    handleProcessErrors: false,
    logger: { level: 'silent' },
    ...options,
  });
  cleanup(t, () => s.stop('test over'));
  await s.start();
  return s;
}
const snap = (url: string, token?: string) =>
  get(`${url}/admin/heap-snapshot`, { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {} });

test('a leak injected into a running service is flagged; garbage churn is not', async (t) => {
  const child = startChild(t, process.execPath, [fixture], { env: { ...process.env, WINDOW_MS: '4000', ADMIN_TOKEN: TOKEN } });
  const { fixtureReady: url } = JSON.parse(await child.waitForLine('fixtureReady', 20_000)) as { fixtureReady: string };
  assert.equal((await get(`${url}/churn`, { method: 'POST' })).status, 200);
  // A full window of churn: lots of GCs, a flat floor.
  await new Promise((r) => setTimeout(r, 5000));
  assert.equal(
    child.lines.some((l) => l.includes('leakEvent')),
    false,
    'garbage churn is not a leak',
  );
  const quiet = JSON.parse((await get(`${url}/admin/memory`, { headers: { authorization: `Bearer ${TOKEN}` } })).body!) as {
    heap: { suspected: boolean; points: number };
  };
  assert.equal(quiet.heap.suspected, false);
  assert.ok(quiet.heap.points >= 6, `the detector saw GCs (${quiet.heap.points} buckets)`);

  assert.equal((await get(`${url}/leak`, { method: 'POST' })).status, 200);
  const event = JSON.parse(await child.waitForLine('leakEvent', 20_000)) as {
    leakEvent: { slopeBytesPerSecond: number; growthBytes: number };
  };
  assert.ok(event.leakEvent.slopeBytesPerSecond >= 1024 * 1024, JSON.stringify(event));
  await child.waitForLine('"event":"leak_suspected"'); // log lines are batched: up to 10 ms after the event
  const logged = logLines(child.stdout()).find((l) => l.event === 'leak_suspected');
  assert.ok(logged && logged.level === 40);
  const metrics = (await get(`${url}/metrics`)).body!;
  assert.match(metrics, /holdfast_heap_leak_suspected\{[^}]*\} 1/);
  assert.match(metrics, /holdfast_gc_pause_seconds_count\{[^}]*kind="(minor|major)"[^}]*\} [1-9]/);
});

test('admin endpoint: 401 without the token, with a wrong one, and when none is configured', async (t) => {
  const dir = tempDir(t);
  const s = await started(t, { adminToken: TOKEN, memory: { dir, signal: false } });
  for (const token of [undefined, 'wrong-token-but-long-enough']) {
    const r = await snap(s.url, token);
    assert.equal(r.status, 401);
    assert.equal((JSON.parse(r.body!) as { code: string }).code, 'HOLDFAST_E_UNAUTHORIZED');
    assert.equal(r.headers!['www-authenticate'], 'Bearer realm="holdfast-admin"');
  }
  assert.equal((await get(`${s.url}/admin/memory`)).status, 401);
  assert.deepEqual(readdirSync(dir), [], 'nothing was captured');
  const open = await started(t, { memory: { dir, signal: false } });
  const r = await snap(open.url, TOKEN);
  assert.equal(r.status, 401);
  assert.match(r.body!, /no admin token is configured/);
  assert.throws(() => createService({ adminToken: 'short' }), /adminToken: use at least 16 characters/);
});

test('short headroom: the snapshot is refused for a sampling profile; the cooldown holds; enough headroom: a full snapshot', async (t) => {
  const dir = tempDir(t);
  const s = await started(t, {
    adminToken: TOKEN,
    memory: { dir, signal: false, samplingMs: 100, cooldownMs: 60_000, availableMemory: () => 1024 },
  });
  const r = await snap(s.url, TOKEN);
  assert.equal(r.status, 200, r.body);
  const result = JSON.parse(r.body!) as { kind: string; file: string; refused: string; bytes: number };
  assert.equal(result.kind, 'sampling');
  assert.match(result.refused, /below 2.2 × heap used/);
  assert.ok(result.file.endsWith('.heapprofile') && existsSync(result.file));
  assert.ok((JSON.parse(readFileSync(result.file, 'utf8')) as { head?: unknown }).head, 'a DevTools sampling heap profile');
  assert.equal(readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot')).length, 0, 'no full snapshot was attempted');
  const again = await snap(s.url, TOKEN);
  assert.equal(again.status, 429);
  assert.match(again.body!, /cooldown/);

  const roomy = await started(t, { adminToken: TOKEN, memory: { dir, signal: false, cooldownMs: 0, availableMemory: () => 64 * 2 ** 30 } });
  const full = JSON.parse((await snap(roomy.url, TOKEN)).body!) as { kind: string; file: string; bytes: number };
  assert.equal(full.kind, 'snapshot');
  assert.ok(full.file.endsWith('.heapsnapshot') && full.bytes > 1000);
  assert.equal(readdirSync(dir).filter((f) => f.endsWith('.partial')).length, 0, 'no partial file left behind');

  const nodir = await started(t, { adminToken: TOKEN, memory: { signal: false } });
  const refused = await snap(nodir.url, TOKEN);
  assert.equal(refused.status, 409);
  assert.match(refused.body!, /HOLDFAST_HEAP_DIR/);
});

test('SIGUSR2 takes a capture', async (t) => {
  const dir = tempDir(t);
  const child = startChild(t, process.execPath, [fixture], { env: { ...process.env, HEAP_DIR: dir, HEADROOM_BYTES: '1' } });
  await child.waitForLine('fixtureReady', 20_000);
  child.kill('SIGUSR2');
  await child.waitForLine('heap sampling profile written', 10_000);
  await waitFor('the profile on disk', () => readdirSync(dir).some((f) => f.endsWith('.heapprofile')));
});
