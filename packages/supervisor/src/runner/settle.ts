// Waiting for an action to take effect: resolves once every instance satisfies `done`, or at
// the timeout, re-checking on each state change the supervisor announces.
import type { EventEmitter } from 'node:events';
import type { InstanceRunner } from './instance-runner.ts';

export function waitUntil(changes: EventEmitter, instances: InstanceRunner[], done: (r: InstanceRunner) => boolean, timeoutMs: number): Promise<void> {
  const pending = () => instances.some((r) => !done(r));
  if (!pending()) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      changes.off('change', onChange);
      resolve();
    };
    const onChange = () => {
      if (!pending()) finish();
    };
    const timer = setTimeout(finish, timeoutMs);
    timer.unref();
    changes.on('change', onChange);
  });
}
