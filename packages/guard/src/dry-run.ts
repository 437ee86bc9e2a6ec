// Dry-run rules count every "would block" and report it at most once per rule per second
// (with the count since the last report), so a dry run under load does not flood the logs.
import { BLOCK_REASONS, type BlockReason } from './block-reason.ts';
import type { GuardLogger } from './logger.ts';
import type { ResourceNode } from './stat/resource-node.ts';

export interface WouldBlockEvent {
  resource: string;
  ruleId: string;
  reason: BlockReason;
  /** Would-blocks of this rule since it was last reported (events and logs are throttled to one per rule per second). */
  count: number;
}

export class DryRunReports {
  private readonly reported = new Map<string, { at: number; count: number }>();
  private readonly logger: GuardLogger;
  private readonly emit: (event: WouldBlockEvent) => void;

  constructor(logger: GuardLogger, emit: (event: WouldBlockEvent) => void) {
    this.logger = logger;
    this.emit = emit;
  }

  count(node: ResourceNode, now: number, reason: number, ruleId: string): void {
    node.wouldBlockTotal[reason]!++;
    let r = this.reported.get(ruleId);
    if (r === undefined) this.reported.set(ruleId, (r = { at: -Infinity, count: 0 }));
    r.count++;
    if (now - r.at < 1000) return;
    const event: WouldBlockEvent = { resource: node.name, ruleId, reason: BLOCK_REASONS[reason]!, count: r.count };
    r.at = now;
    r.count = 0;
    this.logger.warn(event, 'guard dry-run: a rule would have blocked');
    this.emit(event);
  }
}
