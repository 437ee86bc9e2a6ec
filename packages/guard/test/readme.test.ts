// Every ```ts block of the README runs as written: the documentation cannot drift from the API.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(join(pkg, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('README examples', { concurrency: 4 }, () => {
  it('has examples', () => assert.ok(blocks.length >= 7));
  blocks.forEach((code, i) => {
    const title = code.split('\n').find((l) => l.includes("from '@holdfast/guard")) ?? '';
    it(`example ${i + 1} runs (${title.trim()})`, async (t) => {
      const dir = join(pkg, '.tmp', `readme-${process.pid}-${i}`);
      mkdirSync(dir, { recursive: true });
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      const file = join(dir, 'example.ts');
      writeFileSync(file, code);
      try {
        await promisify(execFile)(process.execPath, [file], { encoding: 'utf8', timeout: 60_000 });
      } catch (err) {
        const e = err as { stderr?: string; stdout?: string };
        assert.fail(`example ${i + 1} failed:\n${e.stderr}\n${e.stdout}`);
      }
    });
  });
});
