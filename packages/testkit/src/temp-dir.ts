import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { cleanup } from './cleanup.ts';

/** A fresh directory removed when the test ends. */
export function tempDir(t: Pick<TestContext, 'after'>, prefix = 'holdfast-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanup(t, () => rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 }));
  return dir;
}
