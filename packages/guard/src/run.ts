// The async shell around entry/exit: waiting for a throttled slot (AbortSignal-aware), running
// a function under a resource with fallback, and wrapping outbound calls with a timeout that
// aborts them and counts as an error. It needs only the synchronous admission, which the Guard
// provides (the guard delegates its async methods here).
import type { BlockError } from './block-error.ts';
import type { Entry, EntryOptions } from './entry.ts';
import { GuardError } from './errors.ts';

/** The synchronous admission the async helpers build on (a Guard). */
export interface Admission {
  entry(resource: string, options?: EntryOptions): Entry | BlockError;
}

export interface AsyncEntryOptions extends EntryOptions {
  /** Aborts the wait for a throttled slot (the entry is cancelled and the promise rejects). */
  signal?: AbortSignal;
}

export interface RunOptions<T> extends AsyncEntryOptions {
  /** Served when the call is blocked or fails; receives the BlockError or the failure. */
  fallback?: (error: unknown) => T | Promise<T>;
  /** Decides whether a thrown value counts as an error for breakers and stats (default: everything). */
  isError?: (error: unknown) => boolean;
}

export interface WrapOptions<A extends unknown[], T> {
  /** Aborts the call (through its AbortSignal) after this many ms; a timeout counts as an error. */
  timeoutMs?: number;
  /** Served when the call is blocked, fails or times out. */
  fallback?: (error: unknown, ...args: A) => T | Promise<T>;
  isError?: (error: unknown) => boolean;
  /** The per-key value for hotspot rules, from the call's arguments. */
  key?: (...args: A) => unknown;
  priority?: EntryOptions['priority'];
}

function abortError(signal: AbortSignal): GuardError {
  const why = signal.reason instanceof Error ? `: ${signal.reason.message}` : '';
  return new GuardError('HOLDFAST_E_ABORTED', `aborted while waiting for a throttled slot${why}`, undefined, { cause: signal.reason });
}

/** Resolves once `entry`'s throttling wait is over; on abort cancels the entry and rejects. */
export function waitForSlot(entry: Entry, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) {
    entry.cancel();
    return Promise.reject(abortError(signal));
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      entry.cancel();
      reject(abortError(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, entry.waitMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export async function entryAsync(guard: Admission, resource: string, options?: AsyncEntryOptions): Promise<Entry | BlockError> {
  const e = guard.entry(resource, options);
  if (!e.blocked && e.waitMs > 0) await waitForSlot(e, options?.signal);
  return e;
}

function settle<T>(e: Entry, fn: () => T | Promise<T>, options: RunOptions<T> | undefined): Promise<T> {
  e.runOptions = options as Entry['runOptions'];
  let result: T | Promise<T>;
  try {
    result = fn();
  } catch (err) {
    return Promise.resolve().then(() => e.settleRejected(err) as T);
  }
  // A native promise first: what async functions return, told apart by one map check, before the
  // property lookup that other thenables need.
  if (result instanceof Promise) {
    const promise = result as Promise<T>;
    if (options?.fallback === undefined) {
      // No fallback: hand the caller its own promise and settle the entry beside it. Reactions
      // run in registration order, so the exit is recorded before the caller resumes, and the
      // caller saves a promise hop.
      void promise.then(e.settleFulfilled, e.settleRejectedQuietly);
      return promise;
    }
    return promise.then(e.settleFulfilled as (v: T) => T, e.settleRejected as (err: unknown) => T);
  }
  const thenable = result as { then?: unknown } | null;
  if (thenable !== null && typeof thenable === 'object' && typeof thenable.then === 'function') {
    return (thenable as PromiseLike<T>).then(e.settleFulfilled as (v: T) => T, e.settleRejected as (err: unknown) => T) as Promise<T>;
  }
  e.settleFulfilled(result);
  return Promise.resolve(result);
}

export function run<T>(guard: Admission, resource: string, fn: () => T | Promise<T>, options?: RunOptions<T>): Promise<T> {
  const e = guard.entry(resource, options);
  if (e.blocked) {
    const fallback = options?.fallback;
    return fallback ? Promise.resolve().then(() => fallback(e)) : Promise.reject(e);
  }
  if (e.waitMs > 0) return waitForSlot(e, options?.signal).then(() => settle(e, fn, options));
  return settle(e, fn, options);
}

export function wrap<A extends unknown[], T>(
  guard: Admission,
  resource: string,
  fn: (signal: AbortSignal, ...args: A) => Promise<T>,
  options: WrapOptions<A, T> = {},
): (...args: A) => Promise<T> {
  const { timeoutMs, fallback, isError, key, priority } = options;
  return async (...args: A): Promise<T> => {
    const e = guard.entry(resource, { key: key?.(...args), priority });
    if (e.blocked) {
      if (fallback) return fallback(e, ...args);
      throw e;
    }
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    try {
      if (e.waitMs > 0) await waitForSlot(e, undefined);
      const call = fn(controller.signal, ...args);
      const value =
        timeoutMs === undefined
          ? await call
          : await Promise.race([
              call,
              new Promise<never>((_, reject) => {
                timer = setTimeout(() => {
                  const err = new GuardError(
                    'HOLDFAST_E_TIMEOUT',
                    `${resource}: no answer within ${timeoutMs} ms; the call was aborted and counts as an error`,
                  );
                  controller.abort(err);
                  reject(err);
                }, timeoutMs);
              }),
            ]);
      e.exit();
      return value;
    } catch (err) {
      const timedOut = err instanceof GuardError && err.code === 'HOLDFAST_E_TIMEOUT';
      e.exit({ error: timedOut || (isError ? isError(err) : true) });
      if (fallback) return fallback(err, ...args);
      throw err;
    } finally {
      if (timer) clearTimeout(timer);
    }
  };
}
