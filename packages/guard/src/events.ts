// The guard's events: what listeners of guard.on(...) receive.
import type { BlockError } from './block-error.ts';
import type { BreakerStateChange } from './breaker/checker.ts';
import type { ClusterModeChange } from './cluster/link.ts';
import type { WouldBlockEvent } from './dry-run.ts';
import type { RulesError } from './errors.ts';
import type { RulesDiff } from './manager/diff.ts';
import type { SheddingEvent } from './system/control.ts';

export type { GuardLogger } from './logger.ts';
export type { SheddingEvent, WouldBlockEvent };

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
  /** A cluster rule changed mode: 'fallback' when the store failed, 'cluster' when it is back. */
  clusterMode: [ClusterModeEvent];
}

export interface ClusterModeEvent extends ClusterModeChange {
  ruleId: string;
  resource: string;
}
