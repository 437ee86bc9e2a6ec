// The supervisor's time source. State machines get `now` from here, never from Date: a wall
// clock step (NTP, an operator) must not shorten a backoff or reset a healthy-period count.
// `now()` is monotonic but epoch-based (wall time at daemon start + monotonic elapsed), so it
// also prints as a date.

export interface Timer {
  cancel(): void;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): Timer;
}

const origin = Date.now() - performance.now();

export const systemClock: Clock = {
  now: () => origin + performance.now(),
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(handle) };
  },
};
