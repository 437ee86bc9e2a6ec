// The circuit-breaker state machine, over an injected clock and nothing else: no timers. Time
// only matters when a request arrives or completes, so every timed transition (open -> half-open
// after the retry timeout, a half-open episode that timed out) is evaluated then.
//
//   closed --(strategy trips)--> open --(retry timeout, a probe is admitted)--> halfOpen
//   halfOpen --(probeSuccessThreshold probes succeed)--> closed
//   halfOpen --(too many probes fail | probeTimeoutMs passes undecided)--> open (backoff)
//   halfOpen --(its only probe is cancelled before running)--> open (rollback, may probe again at once)
//
// Admission is two-phase: check() only looks; admitProbe() commits once every other rule has
// admitted the request. So a would-be probe that a later rule blocks never moves the state, and
// there is nothing to roll back in that case.
import { REASON_BREAKER } from '../block-reason.ts';
import { BLOCKED, PASS, PROBE } from '../verdict.ts';
import type { NormalizedBreakerRule } from './rule.ts';
import { createStrategy } from './strategies.ts';
import type { BreakerStrategy } from './strategy.ts';

export const CLOSED = 0;
export const OPEN = 1;
export const HALF_OPEN = 2;
export const BREAKER_STATES = ['closed', 'open', 'halfOpen'] as const;
export type BreakerState = (typeof BREAKER_STATES)[number];

export type BreakerTransitionReason =
  /** closed -> open: the strategy's ratio or count reached the threshold. */
  | 'threshold'
  /** open -> halfOpen: the retry timeout passed and a probe was admitted. */
  | 'retryTimeout'
  /** halfOpen -> closed. */
  | 'probesSucceeded'
  /** halfOpen -> open: more probes failed than probeNum - probeSuccessThreshold allows. */
  | 'probeFailed'
  /** halfOpen -> open: the episode did not decide within probeTimeoutMs (a probe never returned). */
  | 'probeTimeout'
  /** halfOpen -> open: the only probe was cancelled before it ran; the retry timeout is not restarted. */
  | 'probeCancelled';

export interface BreakerStateChange {
  resource: string;
  ruleId: string;
  from: BreakerState;
  to: BreakerState;
  reason: BreakerTransitionReason;
  /** Clock time of the transition. */
  at: number;
  /** What tripped it: the ratio or count for 'threshold', else undefined. */
  value?: number;
  /** When open: the clock time at which probes will be admitted. */
  retryAt?: number;
}

export class BreakerChecker {
  readonly rule: NormalizedBreakerRule;
  readonly reason = REASON_BREAKER;
  readonly dryRun: boolean;
  private readonly strategy: BreakerStrategy;
  private readonly onChange: (change: BreakerStateChange) => void;
  private readonly mode: number; // 0 normal, 1 forcedOpen, 2 disabled
  private state = CLOSED;
  /** Openings since the last close: the backoff exponent. */
  private opens = 0;
  private retryAt = 0;
  private halfOpenSince = -Infinity;
  private probesAdmitted = 0;
  private probesOk = 0;
  private probesFailed = 0;

  constructor(
    rule: NormalizedBreakerRule,
    onChange: (change: BreakerStateChange) => void,
    strategy: BreakerStrategy = createStrategy(rule),
  ) {
    this.rule = rule;
    this.dryRun = rule.dryRun;
    this.strategy = strategy;
    this.onChange = onChange;
    this.mode = rule.mode === 'forcedOpen' ? 1 : rule.mode === 'disabled' ? 2 : 0;
  }

  /** PASS, PROBE (admit as a half-open probe) or BLOCKED. Only a lapsed half-open episode changes state here. */
  check(now: number): number {
    if (this.mode !== 0) return this.mode === 1 ? BLOCKED : PASS;
    const state = this.state;
    if (state === CLOSED) return PASS;
    if (state === OPEN) return now >= this.retryAt ? PROBE : BLOCKED;
    if (now - this.halfOpenSince >= this.rule.probeTimeoutMs) {
      this.reopen(now, 'probeTimeout');
      return BLOCKED;
    }
    return this.probesAdmitted < this.rule.probeNum ? PROBE : BLOCKED;
  }

  /** Commits a PROBE verdict: the first probe moves open -> halfOpen. */
  admitProbe(now: number): void {
    if (this.state === OPEN) {
      this.halfOpenSince = now;
      this.probesAdmitted = 0;
      this.probesOk = 0;
      this.probesFailed = 0;
      this.transition(HALF_OPEN, 'retryTimeout', now, undefined);
    }
    this.probesAdmitted++;
  }

  /** A call this breaker admitted (not as a probe) has completed. */
  onComplete(now: number, rt: number, error: boolean): void {
    // Calls admitted before the breaker opened complete into a state that no longer needs them.
    if (this.mode !== 0 || this.state !== CLOSED) return;
    const value = this.strategy.record(now, rt, error);
    if (value === value) this.trip(now, value);
  }

  // Apart from onComplete, which runs on every exit and should stay small enough to inline.
  private trip(now: number, value: number): void {
    this.opens = 1;
    this.retryAt = now + this.rule.retryTimeoutMs;
    this.transition(OPEN, 'threshold', now, value);
  }

  /** A call admitted as a half-open probe at `startedAt` has completed. */
  onProbeComplete(now: number, rt: number, error: boolean, startedAt: number): void {
    // A probe from an episode that already ended (timed out, reopened) has nothing to say now.
    if (this.mode !== 0 || this.state !== HALF_OPEN || startedAt < this.halfOpenSince) return;
    if (this.strategy.isFailure(rt, error)) {
      this.probesFailed++;
      if (this.probesFailed > this.rule.probeNum - this.rule.probeSuccessThreshold) this.reopen(now, 'probeFailed');
    } else if (++this.probesOk >= this.rule.probeSuccessThreshold) {
      this.close(now);
    }
  }

  /** A probe was admitted but never ran (aborted while queued): give its slot back. */
  cancelProbe(now: number, startedAt: number): void {
    if (this.mode !== 0 || this.state !== HALF_OPEN || startedAt < this.halfOpenSince) return;
    if (this.probesAdmitted > 0) this.probesAdmitted--;
    if (this.probesAdmitted === 0 && this.probesOk === 0 && this.probesFailed === 0) {
      // Back to open with the retry time already passed, so the next request may probe.
      this.transition(OPEN, 'probeCancelled', now, undefined);
    }
  }

  /** The state at `now`, with a lapsed half-open episode applied. */
  stateAt(now: number): BreakerState {
    if (this.mode === 1) return 'open';
    if (this.mode === 2) return 'closed';
    if (this.state === HALF_OPEN && now - this.halfOpenSince >= this.rule.probeTimeoutMs) this.reopen(now, 'probeTimeout');
    return BREAKER_STATES[this.state]!;
  }

  /** A hint for Retry-After when this breaker blocks. */
  retryAfterMs(now: number): number {
    if (this.mode === 1) return this.rule.retryTimeoutMs;
    if (this.state === OPEN) return Math.max(0, this.retryAt - now);
    if (this.state === HALF_OPEN) return Math.max(0, this.halfOpenSince + this.rule.probeTimeoutMs - now);
    return 0;
  }

  /** The retry timeout after the n-th opening in a row: exponential backoff, capped. */
  retryTimeoutFor(opens: number): number {
    const { retryTimeoutMs, backoffMultiplier, maxRetryTimeoutMs } = this.rule;
    return Math.min(maxRetryTimeoutMs, retryTimeoutMs * backoffMultiplier ** Math.max(0, opens - 1));
  }

  private reopen(now: number, reason: BreakerTransitionReason): void {
    this.opens++;
    this.retryAt = now + this.retryTimeoutFor(this.opens);
    this.transition(OPEN, reason, now, undefined);
  }

  private close(now: number): void {
    this.opens = 0;
    this.strategy.reset();
    this.transition(CLOSED, 'probesSucceeded', now, undefined);
  }

  private transition(to: number, reason: BreakerTransitionReason, now: number, value: number | undefined): void {
    const from = this.state;
    this.state = to;
    const change: BreakerStateChange = {
      resource: this.rule.resource,
      ruleId: this.rule.id,
      from: BREAKER_STATES[from]!,
      to: BREAKER_STATES[to]!,
      reason,
      at: now,
    };
    if (value !== undefined) change.value = value;
    if (to === OPEN) change.retryAt = this.retryAt;
    this.onChange(change);
  }
}
