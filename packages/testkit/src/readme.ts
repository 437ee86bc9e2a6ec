// A package's README examples, run as written: the documentation cannot drift from the API.
// Each example runs as its own file inside the package (under .tmp/), so its imports resolve
// the way a user's do, and fails the test with the example's own output.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import { cleanup } from './cleanup.ts';

/** The code of every ```ts block of `<pkgDir>/README.md`, in order. */
export function readmeExamples(pkgDir: string): string[] {
  return markdownExamples(join(pkgDir, 'README.md'));
}

/** The code of every ```ts block of a markdown file (a page of docs/), in order. */
export function markdownExamples(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/**
 * Runs `code` with Node as `<pkgDir>/.tmp/readme-<pid>-<name>/example.ts`; throws with its output
 * when it fails. `env` replaces the environment (e.g. to hand the examples a REDIS_URL).
 */
export async function runExample(
  t: Pick<TestContext, 'after'>,
  pkgDir: string,
  code: string,
  name: string,
  timeoutMs = 60_000,
  env: NodeJS.ProcessEnv = process.env,
) {
  const dir = join(pkgDir, '.tmp', `readme-${process.pid}-${name}`);
  mkdirSync(dir, { recursive: true });
  cleanup(t, () => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'example.ts');
  writeFileSync(file, code);
  try {
    await promisify(execFile)(process.execPath, [file], { encoding: 'utf8', timeout: timeoutMs, env });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string };
    throw new Error(`README example ${name} failed:\n${e.stderr ?? ''}\n${e.stdout ?? ''}`, { cause: err });
  }
}
