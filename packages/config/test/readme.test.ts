// Every ```ts block of the README runs as written.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readmeExamples, runExample } from '@holdfast/testkit';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const examples = readmeExamples(pkg);

describe('README examples', { concurrency: 4 }, () => {
  it('has an example for each entry point', () => assert.ok(examples.length >= 5));
  examples.forEach((code, i) => it(`example ${i + 1} runs`, (t) => runExample(t, pkg, code, String(i + 1))));
});
