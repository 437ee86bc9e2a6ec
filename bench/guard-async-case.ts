#!/usr/bin/env node
// One async case of bench:guard, alone in its process: `node bench/guard-async-case.ts <case> <ops>`
// prints {"ns": wall ns/op, "cpuNs": CPU ns/op, "bytes": bytes/op} on stdout. A process per case
// keeps one library's JIT state, heap and microtask habits from colouring another's figures (in
// one shared process the async ratios swung from 0.8x to 1.6x between runs). CPU time is the
// process's (every thread: the GC's helpers work for the case too), so time the shared machine's
// scheduler gave to other processes is not counted, as it is in wall time.
import { GCProfiler } from 'node:v8';
import CircuitBreaker from 'opossum';
import { ConsecutiveBreaker, circuitBreaker, handleAll } from 'cockatiel';
import { createGuard } from '@holdfast/guard';

export const ASYNC_CASES = {
  'guard.run(async no-op), flow + breaker': 'flow+breaker',
  'guard.run(async no-op), breaker only': 'breaker',
  'cockatiel circuitBreaker.execute(async no-op)': 'cockatiel',
  'opossum fire(async no-op)': 'opossum',
} as const;

async function main(): Promise<void> {
  const name = process.argv[2] as keyof typeof ASYNC_CASES;
  const ops = Number(process.argv[3] ?? 100_000);
  const noop = async () => {};
  let run: (n: number) => Promise<void>;
  switch (ASYNC_CASES[name]) {
    case 'flow+breaker':
    case 'breaker': {
      const guard = createGuard({
        autoSample: false,
        rules: {
          flow: [{ id: 'fb-flow', resource: 'flow+breaker', threshold: 1e12 }],
          breakers: [
            { id: 'fb-breaker', resource: 'flow+breaker', strategy: 'errorRatio', threshold: 0.5 },
            // Like cockatiel's ConsecutiveBreaker(5): the same job, the same state to keep.
            { id: 'b-breaker', resource: 'breaker', strategy: 'consecutiveFailures', threshold: 5 },
          ],
        },
      });
      const resource = ASYNC_CASES[name];
      run = async (n) => {
        for (let i = 0; i < n; i++) await guard.run(resource, noop);
      };
      break;
    }
    case 'cockatiel': {
      const breaker = circuitBreaker(handleAll, { halfOpenAfter: 30_000, breaker: new ConsecutiveBreaker(5) });
      run = async (n) => {
        for (let i = 0; i < n; i++) await breaker.execute(noop);
      };
      break;
    }
    case 'opossum': {
      const breaker = new CircuitBreaker(noop, { timeout: false, errorThresholdPercentage: 50, resetTimeout: 30_000 });
      run = async (n) => {
        for (let i = 0; i < n; i++) await breaker.fire();
      };
      break;
    }
    default:
      throw new Error(`unknown case ${name}; one of: ${Object.keys(ASYNC_CASES).join(', ')}`);
  }
  await run(ops); // warm up: JIT, pools
  globalThis.gc?.();
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await run(ops);
  const ns = Number(process.hrtime.bigint() - t0) / ops;
  const cpu = process.cpuUsage(c0);
  const cpuNs = ((cpu.user + cpu.system) * 1000) / ops;
  globalThis.gc?.();
  const profiler = new GCProfiler();
  profiler.start();
  const before = process.memoryUsage().heapUsed;
  await run(ops);
  const after = process.memoryUsage().heapUsed;
  let freed = 0;
  for (const s of profiler.stop().statistics) freed += s.beforeGC.heapStatistics.usedHeapSize - s.afterGC.heapStatistics.usedHeapSize;
  process.stdout.write(JSON.stringify({ ns, cpuNs, bytes: Math.max(0, (after - before + freed) / ops) }) + '\n');
}

if (import.meta.main) await main();
