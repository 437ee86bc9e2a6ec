// End to end: 5x overload on a real Fastify service whose requests cost CPU (30 ms of I/O wait,
// then 3 ms of CPU). With system protection on, the p99 latency of admitted requests stays
// near the unloaded p99, while the same service unprotected degrades. Capacity is measured at
// the start of the run, because on a shared machine it is not a constant.
//
// The target is "within 2x the unloaded p99"; the assertion is generous (4x), since the CPU
// of this shared 2-core machine is taken by other test suites at random moments, which a
// process cannot shed. The measured figures are printed as test diagnostics.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { closedLoopThroughput, openLoop, percentile } from './open-loop.ts';
import { startService } from './service.ts';

const WORK = { ioMs: 30, cpuMs: 3 };
const OVERLOAD_MS = 8000;
const SKIP_MS = 2000; // shedding arms within a few samples; measure the steady state after it

it('under 5x overload, system protection keeps admitted p99 within 2x the unloaded p99; unprotected degrades', async (t) => {
  const unprotected = await startService(t, { guard: false, ...WORK });
  const protectedSvc = await startService(t, { ...WORK, rules: { system: { eventLoopUtilization: 0.85 } } });

  await closedLoopThroughput(`${unprotected.url}/work`, 64, 500); // warm-up
  const capacity = await closedLoopThroughput(`${unprotected.url}/work`, 64, 2000);
  const light = Math.max(5, Math.round(capacity * 0.2));
  const heavy = Math.round(capacity * 5);

  const run = async (url: string) => {
    await openLoop({ url, ratePerSec: light, durationMs: 1000 });
    const calm = await openLoop({ url, ratePerSec: light, durationMs: 3000 });
    const unloadedP99 = percentile(calm.filter((s) => s.status === 200).map((s) => s.latencyMs), 99);
    const storm = await openLoop({ url, ratePerSec: heavy, durationMs: OVERLOAD_MS, drainMs: 3000 });
    const steady = storm.filter((s) => s.at >= SKIP_MS);
    // Admitted = answered 200; unanswered requests count with their (censored) wait.
    const admitted = steady.filter((s) => s.status === 200 || s.status === 0);
    const shed = steady.filter((s) => s.status === 503).length;
    return {
      unloadedP99,
      overloadP99: percentile(admitted.map((s) => s.latencyMs), 99),
      admittedPerSec: steady.filter((s) => s.status === 200).length / ((OVERLOAD_MS - SKIP_MS) / 1000),
      shedShare: shed / steady.length,
      unanswered: steady.filter((s) => s.status === 0).length,
    };
  };
  const on = await run(`${protectedSvc.url}/work`);
  protectedSvc.child.kill('SIGKILL');
  const off = await run(`${unprotected.url}/work`);
  const fmt = (r: typeof on) =>
    `unloaded p99 ${r.unloadedP99.toFixed(1)} ms, overload p99 ${r.overloadP99.toFixed(1)} ms (${(r.overloadP99 / r.unloadedP99).toFixed(2)}x), admitted ${r.admittedPerSec.toFixed(0)}/s, shed ${(r.shedShare * 100).toFixed(0)}%, unanswered ${r.unanswered}`;
  t.diagnostic(`capacity ${capacity.toFixed(0)} req/s, offered ${heavy} req/s (5x) after ${light} req/s`);
  t.diagnostic(`protected:   ${fmt(on)}`);
  t.diagnostic(`unprotected: ${fmt(off)}`);

  assert.ok(on.shedShare > 0.5, 'protection shed most of a 5x overload');
  assert.ok(on.overloadP99 <= 4 * on.unloadedP99, `protected admitted p99 ${on.overloadP99.toFixed(1)} ms within 4x (target 2x) the unloaded ${on.unloadedP99.toFixed(1)} ms`);
  assert.ok(off.overloadP99 >= 4 * off.unloadedP99, `unprotected p99 ${off.overloadP99.toFixed(1)} ms degrades past 4x its unloaded ${off.unloadedP99.toFixed(1)} ms`);
  assert.ok(off.overloadP99 >= 3 * on.overloadP99, 'unprotected is far worse than protected');
});
