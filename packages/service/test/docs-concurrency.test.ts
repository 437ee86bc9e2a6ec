// Every ```ts block of docs/concurrency.md runs as written, inside this package (so its imports
// resolve as a user's do), against a real etcd and Redis started here: the page cannot drift
// from the API.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { markdownExamples, runExample, startEtcd, startRedis } from '@holdfast/testkit';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const page = join(pkg, '..', '..', 'docs', 'concurrency.md');
const examples = markdownExamples(page);

test(
  'docs/concurrency.md: the local primitives, the distributed lock and the guarded write run as written',
  { timeout: 180_000 },
  async (t) => {
    assert.equal(examples.length, 3, 'one example per section: primitives, lock, guarded write');
    const etcd = await startEtcd(t);
    const redis = await startRedis(t);
    const env = { ...process.env, ETCD_ENDPOINT: etcd.endpoint, REDIS_URL: redis.url };
    for (const [i, code] of examples.entries()) await runExample(t, pkg, code, `concurrency-${i + 1}`, 60_000, env);
  },
);
