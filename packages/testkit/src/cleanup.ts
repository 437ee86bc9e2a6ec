// One place that undoes what a test made, in reverse order, even when the test fails or the
// runner is interrupted. Tests call cleanup(t, fn) and never track teardown by hand.
import type { TestContext } from 'node:test';

type Undo = () => unknown;
const pending = new Set<Undo>();

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
  t.after(async () => {
    pending.delete(undo);
    await undo();
  });
}
