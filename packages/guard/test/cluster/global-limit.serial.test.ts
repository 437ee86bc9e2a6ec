// Four real replica processes share one global limit of 1,000 passes per second through a real
// Redis, under uneven load (200, 400, 600 and 900 attempts per second). The admitted total is
// added up over 10 s windows of wall-clock time from each replica's 100 ms reports:
//  - Redis up: within ±5 % of 1,000/s;
//  - Redis killed: every replica falls back to its share, the total within ±15 %;
//  - Redis back: every replica is in cluster mode again by itself;
//  - a replica killed: the three others take its share (their demand alone exceeds the limit),
//    the total within ±5 % again.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type Child, startChild, startRedis, waitFor } from '@holdfast/testkit';

const REPLICA = fileURLToPath(new URL('./replica.ts', import.meta.url));
const LIMIT = 1000;
const RATES = [200, 400, 600, 900];

interface Tick {
  t: number;
  pass: number;
  block: number;
  mode: string;
}

const ticks = (c: Child): Tick[] => c.lines.filter((l) => l.startsWith('TICK ')).map((l) => JSON.parse(l.slice(5)) as Tick);

/** Admitted per second over [from, from + ms), summed over `replicas`, once their reports are in. */
async function ratePerSec(
  replicas: Child[],
  from: number,
  ms: number,
): Promise<{ rate: number; perReplica: number[]; modes: Set<string> }> {
  await delay(Math.max(0, from + ms - Date.now()) + 400);
  const modes = new Set<string>();
  const perReplica = replicas.map((c) =>
    ticks(c)
      .filter((k) => k.t >= from && k.t < from + ms)
      .reduce((sum, k) => (modes.add(k.mode), sum + k.pass), 0),
  );
  return {
    rate: (perReplica.reduce((a, b) => a + b, 0) * 1000) / ms,
    perReplica: perReplica.map((n) => Math.round((n * 1000) / ms)),
    modes,
  };
}

const nextTick = (afterMs: number) => Math.ceil((Date.now() + afterMs) / 100) * 100;

it(
  '4 processes hold a global 1,000/s within ±5 %, within ±15 % with Redis killed, return to cluster mode, and take a ' +
    'killed replica’s share',
  async (t) => {
    const redis = await startRedis(t);
    const replicas = RATES.map((rate) =>
      startChild(t, process.execPath, [REPLICA, JSON.stringify({ redisUrl: redis.url, rate, threshold: LIMIT, heartbeatMs: 200 })]),
    );
    await Promise.all(replicas.map((c) => c.waitForLine(/^READY /, 20_000)));
    await delay(2000); // every replica beating and leasing

    const up = await ratePerSec(replicas, nextTick(0), 10_000);
    t.diagnostic(`Redis up: ${up.rate.toFixed(0)}/s (per replica ${up.perReplica.join(', ')}), modes ${[...up.modes]}`);
    assert.deepEqual([...up.modes], ['cluster']);
    assert.ok(Math.abs(up.rate - LIMIT) <= LIMIT * 0.05, `admitted ${up.rate.toFixed(0)}/s with Redis up, outside ±5 % of ${LIMIT}`);

    await redis.kill();
    await waitFor(
      'every replica in fallback mode',
      () => replicas.every((c) => c.lines.some((l) => l.startsWith('MODE ') && l.includes('"fallback"'))),
      { timeoutMs: 5000 },
    );
    const down = await ratePerSec(replicas, nextTick(500), 10_000);
    t.diagnostic(`Redis down: ${down.rate.toFixed(0)}/s (per replica ${down.perReplica.join(', ')}), modes ${[...down.modes]}`);
    assert.deepEqual([...down.modes], ['fallback']);
    assert.ok(Math.abs(down.rate - LIMIT) <= LIMIT * 0.15, `admitted ${down.rate.toFixed(0)}/s with Redis down, outside ±15 % of ${LIMIT}`);

    await redis.restart();
    await waitFor(
      'every replica back in cluster mode',
      () =>
        replicas.every((c) =>
          c.lines
            .filter((l) => l.startsWith('MODE '))
            .at(-1)
            ?.includes('"cluster"'),
        ),
      { timeoutMs: 10_000 },
    );

    const killed = replicas.pop()!; // the 900/s one
    killed.kill('SIGKILL');
    await killed.exited;
    const rest = await ratePerSec(replicas, nextTick(1500), 10_000);
    t.diagnostic(`one replica killed: ${rest.rate.toFixed(0)}/s (per replica ${rest.perReplica.join(', ')}), modes ${[...rest.modes]}`);
    assert.deepEqual([...rest.modes], ['cluster']);
    assert.ok(
      Math.abs(rest.rate - LIMIT) <= LIMIT * 0.05,
      `admitted ${rest.rate.toFixed(0)}/s after a replica died, outside ±5 % of ${LIMIT}`,
    );
    assert.ok(
      rest.perReplica.reduce((a, b) => a + b, 0) > up.perReplica.slice(0, 3).reduce((a, b) => a + b, 0) * 1.1,
      'the survivors admit more than before',
    );
  },
);
