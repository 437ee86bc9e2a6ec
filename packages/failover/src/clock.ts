// The one time source of the failover package. Leadership decisions use CLOCK_MONOTONIC only,
// never the wall clock: the wall clock jumps (NTP steps, an operator), the monotonic clock does
// not. On Linux `process.hrtime` reads CLOCK_MONOTONIC, which is system-wide, so a value taken
// in the agent can be compared with one read in the fence companion or another agent on the
// same host (performance.now() could not: it counts from each process's own start).

/** Milliseconds of CLOCK_MONOTONIC (shared by every process on the host, unaffected by wall-clock steps). */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** A cancellable timer handle returned by Clock.setTimeout. */
export interface Timer {
  cancel(): void;
}

/**
 * What the leadership loop and other state machines are allowed to know about time. The real
 * one reads monotonicMs(); tests inject a virtual clock that advances only when told to.
 */
export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
  /** Runs `fn` after `ms` milliseconds of this clock. */
  setTimeout(fn: () => void, ms: number): Timer;
}

/** The real clock: CLOCK_MONOTONIC and Node's timers (a pending timer keeps the process alive, as an agent should). */
export const systemClock: Clock = {
  now: monotonicMs,
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(handle) };
  },
};
