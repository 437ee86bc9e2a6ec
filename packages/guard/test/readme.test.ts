// Every ```ts block of the README runs as written: the documentation cannot drift from the API.
// The cluster example gets a real Redis (REDIS_URL), started once for all of them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readmeExamples, runExample, startRedis } from '@holdfast/testkit';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const examples = readmeExamples(pkg);

describe('README examples', { concurrency: 4 }, () => {
  let env: NodeJS.ProcessEnv = process.env;
  const undo: (() => unknown)[] = [];
  before(async () => {
    const redis = await startRedis({
      after: (fn) => {
        if (fn) undo.push(() => fn({} as never, () => {}));
      },
    });
    env = { ...process.env, REDIS_URL: redis.url };
  });
  after(async () => {
    for (const fn of undo.reverse()) await fn();
  });
  it('has examples', () => assert.ok(examples.length >= 7));
  examples.forEach((code, i) => {
    const title = code.split('\n').find((l) => l.includes("from '@holdfast/guard")) ?? '';
    it(`example ${i + 1} runs (${title.trim()})`, (t) => runExample(t, pkg, code, String(i + 1), 60_000, env));
  });
});
