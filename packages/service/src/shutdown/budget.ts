// The shutdown budget. Everything derives from terminationGracePeriodMs, so the drain never
// overruns what the orchestrator allows before it sends SIGKILL.

export interface Budget {
  /** Keep serving while unready, so load balancers notice. */
  delayMs: number;
  /** From the end of the delay: in-flight requests must finish by then. */
  drainMs: number;
  /** Reserved for onShutdown hooks, after the drain. */
  hooksMs: number;
  /** Kept back for flushing logs and exiting. */
  marginMs: number;
}

// A fixed slice for flushing logs and the exit itself; ample for a file or pipe flush.
const marginOf = (graceMs: number) => Math.min(1000, graceMs * 0.05);

/** The longest the unready phase may wait for load balancers: half of what the grace period leaves. */
export function maxUnreadyMs(graceMs: number): number {
  return Math.floor((graceMs - marginOf(graceMs)) / 2);
}

export function shutdownBudget(graceMs: number, delayMs: number, hookTimeoutsMs: number[]): Budget {
  const marginMs = marginOf(graceMs);
  const available = Math.max(0, graceMs - marginMs - delayMs);
  // Hooks get what they ask for, but never more than a third of what is left: in-flight
  // requests come first.
  const hooksMs = Math.floor(
    Math.min(
      hookTimeoutsMs.reduce((a, b) => a + b, 0),
      available / 3,
    ),
  );
  return { delayMs, drainMs: available - hooksMs, hooksMs, marginMs };
}
