// One place that undoes what a test made, in reverse order, even when the test fails or the
// runner is interrupted. Tests call cleanup(t, fn) and never track teardown by hand.
//
// node:test runs a test's `after` hooks in registration order, and stops at the first that
// throws. So each test gets one hook that runs its undos last-in first-out (processes are killed
// before the temp dir they write into is removed) and runs every undo even when one fails.
import type { TestContext } from 'node:test';

type Undo = () => unknown;
const pending = new Set<Undo>();
const stacks = new WeakMap<object, Undo[]>();

let hooked = false;
function hookProcessExit(): void {
  if (hooked) return;
  hooked = true;
  const runAll = (): void => {
    for (const undo of [...pending].reverse()) {
      try {
        const r = undo();
        if (r instanceof Promise) r.catch(() => {});
      } catch {}
    }
    pending.clear();
  };
  process.once('exit', runAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      runAll();
      process.exit(130);
    });
  }
}

/** Register `undo` to run when the test (or suite) `t` ends, and at process exit as a last resort. */
export function cleanup(t: Pick<TestContext, 'after'>, undo: Undo): void {
  hookProcessExit();
  pending.add(undo);
  let stack = stacks.get(t);
  if (stack === undefined) {
    const own: Undo[] = [];
    stack = own;
    stacks.set(t, own);
    t.after(async () => {
      let failure: { error: unknown } | undefined;
      while (own.length > 0) {
        const next = own.pop()!;
        pending.delete(next);
        try {
          await next();
        } catch (error) {
          failure ??= { error };
        }
      }
      if (failure) throw failure.error;
    });
  }
  stack.push(undo);
}
