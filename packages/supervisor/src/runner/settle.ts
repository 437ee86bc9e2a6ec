// Waiting for an action to take effect: resolves as soon as every instance satisfies `done`, or
// at the timeout, re-checking on each state change the supervisor announces and each time it
// starts what was waiting for its dependencies ('wanted': a program already READY changes no
// state when its dependency comes up, yet the wait for it is over then). Says truthfully which
// instances the timeout caught.
import type { EventEmitter } from 'node:events';
import type { InstanceRunner } from './instance-runner.ts';

/** The instances still pending when the timeout fired (empty when everything held in time). */
export function waitUntil(
  changes: EventEmitter,
  instances: InstanceRunner[],
  done: (r: InstanceRunner) => boolean,
  timeoutMs: number,
): Promise<InstanceRunner[]> {
  const pending = () => instances.filter((r) => !done(r));
  if (pending().length === 0) return Promise.resolve([]);
  return new Promise((resolve) => {
    const finish = (left: InstanceRunner[]) => {
      clearTimeout(timer);
      changes.off('change', check);
      changes.off('wanted', check);
      resolve(left);
    };
    const check = () => {
      if (pending().length === 0) finish([]);
    };
    const timer = setTimeout(() => finish(pending()), timeoutMs);
    timer.unref();
    changes.on('change', check);
    changes.on('wanted', check);
  });
}
