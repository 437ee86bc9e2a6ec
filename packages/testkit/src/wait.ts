import { once, type EventEmitter } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * Polls `check` until it returns a truthy value, or throws after `timeoutMs` with `what` in the
 * message. For conditions no event announces (a port opening, a file appearing); prefer
 * waitForEvent when an event exists.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 20 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<NonNullable<T>> {
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (performance.now() > deadline) {
      const suffix = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${suffix}`);
    }
    await delay(intervalMs);
  }
}

/** Resolves with the event's arguments, or rejects after `timeoutMs`. */
export async function waitForEvent(emitter: EventEmitter, event: string, timeoutMs = 10_000): Promise<unknown[]> {
  return once(emitter, event, { signal: AbortSignal.timeout(timeoutMs) });
}
