// Rolling reloads under load, with real processes and a real shared socket: the daemon holds the
// listening socket, the instances are @holdfast/service apps on it, clients with and without
// keep-alive hammer it the whole time, and every request is counted.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { startLoad as startLoadRaw, summary, waitFor, type Load } from '@holdfast/testkit';
import { hasCode, type ReloadResult, type SupervisorEvent } from '../src/index.ts';
import type { TestContext } from 'node:test';
import type { SupervisorClient } from '../src/index.ts';
import { pidsOf, startReloadDaemon, trackReady } from './reload-helpers.ts';

const RELOADS = Number(process.env.HOLDFAST_TEST_RELOADS ?? 50);

/** Load that stops when the test ends, pass or fail. */
function loadFor(t: TestContext, url: string, o: Parameters<typeof startLoadRaw>[1]): Load {
  const l = startLoadRaw(url, o);
  t.after(() => l.stop());
  return l;
}

/** A reload that must succeed; a failure shows what the new instance said. */
async function reloadOk(client: SupervisorClient, program = 'web'): Promise<ReloadResult> {
  try {
    return await client.reload(program);
  } catch (err) {
    const out = (err as { details?: { result?: ReloadResult } }).details?.result?.failed?.output ?? [];
    throw new Error(`${(err as Error).message}\n  its last output:\n    ${out.join('\n    ')}`, { cause: err });
  }
}

async function warmUp(loads: Load[]): Promise<void> {
  await waitFor('the load to flow', () => loads.every((l) => l.stats.ok >= 20), { timeoutMs: 20_000 });
}

// Each reload boots two @holdfast/service instances: about 2 s per reload on an idle 2-core
// machine, far more when it is shared; the timeout leaves room for a busy machine.
test(
  `${RELOADS} rolling reloads of 2 instances under load, with and without keep-alive: 0 failed requests, never fewer than 2 READY`,
  { timeout: 900_000 },
  async (t) => {
    // maxSurge 2: both replacements boot side by side (the default, 1, is exercised by the tests below);
    // either way no old instance stops before its replacement is READY.
    const { url, client } = await startReloadDaemon(t, { extra: '    reload: {maxSurge: 2}\n' });
    const ready = await trackReady(t, client);
    // Continuous, but paced: a client that takes every cycle of a 2-core machine slows each boot.
    const keepAlive = loadFor(t, url, { keepAlive: true, concurrency: 4, pauseMs: 5 });
    const close = loadFor(t, url, { keepAlive: false, concurrency: 3, pauseMs: 5 });
    await warmUp([keepAlive, close]);
    const t0 = performance.now();
    const readyMs: number[] = [];
    const seen = new Set<number>(await pidsOf(client));
    for (let i = 1; i <= RELOADS; i++) {
      const before = await pidsOf(client);
      const r = await reloadOk(client);
      assert.equal(r.ok, true);
      assert.equal(r.replaced.length, 2);
      readyMs.push(...r.replaced.map((x) => x.readyMs));
      const after = await pidsOf(client);
      assert.equal(after.length, 2);
      for (const p of after) {
        assert.ok(!before.includes(p) && !seen.has(p), `reload ${i}: pid ${p} is new`);
        seen.add(p);
      }
      if (i % 10 === 0)
        console.error(
          `  reload ${i}/${RELOADS} ` +
            `after ${Math.round((performance.now() - t0) / 1000)} ` +
            `s: ${keepAlive.stats.requests + close.stats.requests} requests so far`,
        );
    }
    const ka = await keepAlive.stop();
    const cl = await close.stop();
    const report =
      `${RELOADS} reloads ` +
      `in ${Math.round((performance.now() - t0) / 1000)} s (new instance ready ` +
      (`in ${Math.min(...readyMs)}-${Math.max(...readyMs)} ` +
        `ms); ${summary('keep-alive', ka)}; ${summary('no keep-alive', cl)}; fewest READY ${ready.min()}`);
    t.diagnostic(report);
    console.error(`  ${report}`);
    assert.equal(ka.failed, 0, `keep-alive clients: ${JSON.stringify(ka.failures)}`);
    assert.equal(cl.failed, 0, `clients without keep-alive: ${JSON.stringify(cl.failures)}`);
    assert.ok(ka.ok >= RELOADS * 10 && cl.ok >= RELOADS * 5, 'traffic flowed throughout');
    assert.ok(Object.keys(ka.byPid).length + Object.keys(cl.byPid).length >= RELOADS, 'the new instances served');
    assert.ok(ready.min() >= 2, `never fewer than 2 READY (saw ${ready.min()})`);
  },
);

test('a reload whose new version fails readiness stops, removes it, and leaves the old instances serving: 0 failed requests', async (t) => {
  const { url, client, brokenFile } = await startReloadDaemon(t);
  const events: SupervisorEvent[] = [];
  const ac = new AbortController();
  t.after(() => ac.abort());
  client.events((e) => events.push(e), { signal: ac.signal }).catch(() => {});
  const keepAlive = loadFor(t, url, { keepAlive: true, concurrency: 3 });
  const close = loadFor(t, url, { keepAlive: false, concurrency: 2 });
  await warmUp([keepAlive, close]);
  const before = await pidsOf(client);

  // A broken deploy that crashes at boot.
  writeFileSync(brokenFile, 'exit');
  const err1 = await client.reload('web').then(
    () => assert.fail('the reload should have failed'),
    (e: Error & { details: { result?: ReloadResult; status: number } }) => e,
  );
  assert.ok(hasCode(err1, 'HOLDFAST_E_RELOAD_FAILED'), err1.message);
  assert.equal(err1.details.status, 422);
  assert.match(err1.message, /web:0 exited with code 3 before it was ready; 0 of 2 instance\(s\) were replaced, the others keep serving/);
  assert.equal(err1.details.result?.ok, false);
  assert.deepEqual(await pidsOf(client), before, 'the old instances are untouched');

  // A broken deploy that starts but never proves it is ready (a critical check fails): the reload's timeout.
  const hang = await startHanging(client, brokenFile);
  assert.match(hang.message, /web:0 no readiness proof within 3000 ms/);
  assert.deepEqual(await pidsOf(client), before);
  const st = await client.status();
  assert.deepEqual(
    st.programs.map((p) => [p.id, p.state, p.role]),
    [
      ['web:0', 'READY', null],
      ['web:1', 'READY', null],
    ],
    'the failed new instances are gone',
  );
  assert.ok(
    events.some((e) => e.type === 'reload' && e.phase === 'failed' && /exited with code 3/.test(e.detail ?? '')),
    'a failed event on the stream',
  );

  // The fix is deployed: the next reload goes through.
  rmSync(brokenFile);
  const ok = await reloadOk(client);
  assert.equal(ok.ok, true);
  const ka = await keepAlive.stop();
  const cl = await close.stop();
  const report = `${summary('keep-alive', ka)}; ${summary('no keep-alive', cl)}`;
  t.diagnostic(report);
  console.error(`  broken deploy: ${report}`);
  assert.equal(ka.failed + cl.failed, 0, JSON.stringify({ ka: ka.failures, cl: cl.failures }));
});

async function startHanging(client: Awaited<ReturnType<typeof startReloadDaemon>>['client'], brokenFile: string): Promise<Error> {
  writeFileSync(brokenFile, 'hang');
  return client.reload('web', { timeoutMs: 3000 }).then(
    () => assert.fail('the reload should have failed'),
    (e: Error) => e,
  );
}

test('SIGKILL of one instance under load fails only the requests in flight on it; it is replaced while the other serves', async (t) => {
  const { url, client } = await startReloadDaemon(t);
  // Requests that take 20 ms, so there is something in flight to lose.
  const keepAlive = loadFor(t, url, { keepAlive: true, concurrency: 4, path: '/slow?ms=20' });
  const close = loadFor(t, url, { keepAlive: false, concurrency: 3, path: '/slow?ms=20' });
  await warmUp([keepAlive, close]);
  const victim = (await client.status()).programs.find((p) => p.id === 'web:0')!;
  const other = (await client.status()).programs.find((p) => p.id === 'web:1')!;
  const servedByOther = () => (keepAlive.stats.byPid[other.pid!] ?? 0) + (close.stats.byPid[other.pid!] ?? 0);
  const otherBefore = servedByOther();
  process.kill(victim.pid!, 'SIGKILL');
  await waitFor(
    'web:0 replaced',
    async () => (await client.status()).programs.some((p) => p.id === 'web:0' && p.state === 'READY' && p.pid !== victim.pid),
    { timeoutMs: 30_000, intervalMs: 50 },
  );
  const replacement = (await client.status()).programs.find((p) => p.id === 'web:0')!;
  await waitFor(
    'the replacement to serve',
    () => (keepAlive.stats.byPid[replacement.pid!] ?? 0) + (close.stats.byPid[replacement.pid!] ?? 0) > 10,
    { timeoutMs: 20_000 },
  );
  const ka = await keepAlive.stop();
  const cl = await close.stop();
  const failed = ka.failed + cl.failed;
  const report =
    `SIGKILL of one of 2 ` +
    `instances: ${failed} failed ` +
    `(${JSON.stringify({ ...ka.failures, ...cl.failures })}); ${summary('keep-alive', ka)}; ${summary('no keep-alive', cl)}`;
  t.diagnostic(report);
  console.error(`  ${report}`);
  // Each client loop has at most one request outstanding: at most 7 can have been in flight on the victim.
  assert.ok(failed <= 7, `only requests in flight on the killed instance fail (7 loops), got ${failed}`);
  assert.ok(servedByOther() - otherBefore > 0, 'the other instance kept serving');
  const st = (await client.status()).programs.find((p) => p.id === 'web:0')!;
  assert.equal(st.lastExit?.signal, 'SIGKILL');
  assert.equal(st.restarts, 1);
});
