// Every ```ts block of the README runs as written.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readmeExamples, runExample } from '@holdfast/testkit';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const examples = readmeExamples(pkg);

describe('README examples', () => {
  it('has the miner and the incident loop examples', () => assert.ok(examples.length >= 2));
  examples.forEach((code, i) => it(`example ${i + 1} runs`, (t) => runExample(t, pkg, code, String(i + 1))));
});
