// A real file system that fills up: a tmpfs of a few megabytes mounted for one test (needs root:
// the test fails, never skips, where it cannot mount), and a way to fill it to the last byte.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { cleanup } from './cleanup.ts';
import { tempDir } from './temp-dir.ts';

/** A tmpfs of `size` ("16m") at a fresh directory, unmounted when the test ends. */
export function smallFileSystem(t: Pick<TestContext, 'after'>, size = '16m'): string {
  const dir = join(tempDir(t), 'small');
  mkdirSync(dir);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(
      `this test needs a small file system to fill: 'mount -t tmpfs' failed (run the tests as root): ${(err as Error).message}`,
      { cause: err },
    );
  }
  // Registered after the temp dir's removal, so it runs first (cleanup is last-in first-out).
  cleanup(t, () => execFileSync('umount', ['-l', dir]));
  return dir;
}

/** Fills the file system holding `dir` to the last byte; returns the filler file (remove it to free the space). */
export function fillFileSystem(dir: string): string {
  const filler = join(dir, 'filler');
  for (const size of [1 << 20, 64 << 10, 4 << 10, 512]) {
    const chunk = Buffer.alloc(size, 1);
    try {
      for (;;) writeFileSync(filler, chunk, { flag: 'a' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
    }
  }
  return filler;
}
