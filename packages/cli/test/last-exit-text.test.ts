// The LAST EXIT column of `holdfast status`: short words for the common exits, the time, then the
// detail when there is one (the heap-limit advice is long, so it goes last).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InstanceStatus } from '@holdfast/supervisor';
import { lastExitText } from '../src/commands/supervisor-shared.ts';

const at = '2026-12-07T04:39:04.000Z';
const row = (lastExit: InstanceStatus['lastExit']) =>
  ({ state: 'EXITED', waitingFor: [], fatalReason: null, lastExit }) as unknown as InstanceStatus;

test('each kind of exit in words, with its time; a detail after the time', () => {
  assert.equal(lastExitText(row({ code: 1, signal: null, reason: 'exited', at })), 'exit 1 at 04:39:04');
  assert.equal(lastExitText(row({ code: null, signal: 'SIGKILL', reason: 'signal', at })), 'killed by SIGKILL at 04:39:04');
  assert.equal(lastExitText(row({ code: null, signal: 'SIGKILL', reason: 'oom', at })), 'OOM-killed at 04:39:04');
  assert.equal(
    lastExitText(row({ code: null, signal: 'SIGABRT', reason: 'heap-limit', at, detail: 'the V8 heap filled its 128 MiB old space …' })),
    'heap-limit at 04:39:04: the V8 heap filled its 128 MiB old space …',
  );
  assert.equal(lastExitText(row({ code: null, signal: 'SIGABRT', reason: 'heap-limit', at })), 'heap-limit at 04:39:04');
  assert.equal(lastExitText(row(null)), '');
});
