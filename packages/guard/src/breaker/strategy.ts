// What trips a breaker, one small class per strategy behind this interface (cockatiel's
// IBreaker shape, plus the response time that slow-call breaking needs).
export interface BreakerStrategy {
  /** Whether this completion counts as a failure (a failed probe reopens the breaker). */
  isFailure(rt: number, error: boolean): boolean;
  /**
   * Records a completion seen while closed and returns NaN while the breaker should stay
   * closed, otherwise the value that trips it (ratio or count). One call: this runs on every exit.
   */
  record(now: number, rt: number, error: boolean): number;
  /** Forgets the statistics (on close, so stale failures cannot reopen it at once). */
  reset(): void;
}
