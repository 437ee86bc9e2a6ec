// Every ```ts block of the README runs as written: the documentation cannot drift from the API.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readmeExamples, runExample } from '@holdfast/testkit';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const examples = readmeExamples(pkg);

describe('README examples', { concurrency: 4 }, () => {
  it('has examples', () => assert.ok(examples.length >= 7));
  examples.forEach((code, i) => {
    const title = code.split('\n').find((l) => l.includes("from '@holdfast/guard")) ?? '';
    it(`example ${i + 1} runs (${title.trim()})`, (t) => runExample(t, pkg, code, String(i + 1)));
  });
});
