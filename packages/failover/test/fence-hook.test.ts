// The fence hook: run by a new leader against the previous one, with both tokens in its env.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@holdfast/testkit';
import { runFenceHook } from '../src/fence/hook.ts';
import type { Term } from '../src/coordinator/coordinator.ts';

const term: Term = { node: 'b', token: 12, leaseId: 'l', revision: 12, ttlMs: 2000, previous: { node: 'a', token: 9, expired: true } };

test('the hook sees the old leader and both tokens; exit 0 is success', async (t) => {
  const out = join(tempDir(t), 'env');
  await runFenceHook(
    {
      command: [
        'sh',
        '-c',
        `echo "$HOLDFAST_FENCE_NODE $HOLDFAST_FENCE_TOKEN $HOLDFAST_FENCING_TOKEN $HOLDFAST_NODE $HOLDFAST_CLUSTER" > ${out}`,
      ],
      timeout: 5000,
    },
    'shop',
    term.previous!,
    term,
    new AbortController().signal,
  );
  assert.equal(readFileSync(out, 'utf8').trim(), 'a 9 12 b shop');
});

test('a failing or overrunning hook is HOLDFAST_E_FENCE_HOOK with the reason, so the new leader gives up', async () => {
  await assert.rejects(
    runFenceHook(
      { command: ['sh', '-c', 'echo "BMC unreachable" >&2; exit 2'], timeout: 5000 },
      'shop',
      term.previous!,
      term,
      new AbortController().signal,
    ),
    (err: Error & { code?: string }) =>
      err.code === 'HOLDFAST_E_FENCE_HOOK' &&
      /against a \(token 9\) exited 2: BMC unreachable; this node gives up leadership/.test(err.message),
  );
  await assert.rejects(
    runFenceHook({ command: ['sleep', '5'], timeout: 100 }, 'shop', term.previous!, term, new AbortController().signal),
    (err: Error & { code?: string }) => err.code === 'HOLDFAST_E_FENCE_HOOK' && /timed out after 100 ms/.test(err.message),
  );
  await assert.rejects(
    runFenceHook({ command: ['/nonexistent/fence'], timeout: 1000 }, 'shop', term.previous!, term, new AbortController().signal),
    (err: Error & { code?: string }) => err.code === 'HOLDFAST_E_FENCE_HOOK' && /ENOENT/.test(err.message),
  );
});
