// A test that cannot run on this machine (not root, a tool missing) fails: a green run must have
// run it. Only a machine that says so explicitly, with HOLDFAST_ALLOW_SKIP=1 (one that cannot
// do network namespaces, say), gets a skip instead, and the runner counts it.
import type { TestContext } from 'node:test';

/** Env variable that turns "cannot run here" into a skip. */
export const ALLOW_SKIP_ENV = 'HOLDFAST_ALLOW_SKIP';

/**
 * Ends a test that cannot run here. Without HOLDFAST_ALLOW_SKIP=1 it throws, failing the test
 * with `why` and how to fix it; with it, it marks the test skipped and returns (the caller then
 * returns too).
 */
export function cannotRun(t: Pick<TestContext, 'skip'>, why: string): void {
  if (process.env[ALLOW_SKIP_ENV] === '1') {
    t.skip(why);
    return;
  }
  throw new Error(
    `this test cannot run ` +
      `here: ${why}. Run it where it can (as root, with the tool installed: .ci/run installs ` +
      `them), or set ${ALLOW_SKIP_ENV}=1 to skip it on purpose`,
  );
}
