// The guard's events and its logger interface.
import type { BlockError } from './block-error.ts';
import type { BlockReason } from './block-reason.ts';
import type { BreakerStateChange } from './breaker/breaker.ts';
import type { RulesError } from './errors.ts';
import type { RulesDiff } from './rules/diff.ts';

export interface WouldBlockEvent {
  resource: string;
  ruleId: string;
  reason: BlockReason;
  /** Would-blocks of this rule since it was last reported (events and logs are throttled to one per rule per second). */
  count: number;
}

export interface SheddingEvent {
  /** True when system protection starts shedding (level rises above 0), false when it stops. */
  shedding: boolean;
  level: number;
  pressure: number;
  signal: string | null;
}

/** Event name -> listener arguments (use with guard.on / guard.once). */
export interface GuardEvents {
  /** A request was blocked (only built when someone listens). */
  block: [BlockError];
  /** A dry-run rule would have blocked. */
  wouldBlock: [WouldBlockEvent];
  breakerStateChange: [BreakerStateChange];
  rulesSwapped: [RulesDiff];
  rulesRejected: [RulesError];
  shedding: [SheddingEvent];
}

/** pino-compatible: (object, message). Fastify's request logger and pino fit as they are. */
export interface GuardLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentLogger: GuardLogger = { info() {}, warn() {}, error() {} };
