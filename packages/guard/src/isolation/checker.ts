// A bulkhead: at most maxConcurrency calls of the resource in flight.
import { REASON_CONCURRENCY } from '../block-reason.ts';
import { BLOCKED } from '../verdict.ts';
import type { ResourceNode } from '../stat/resource-node.ts';
import type { NormalizedIsolationRule } from './rule.ts';

export class IsolationChecker {
  readonly rule: NormalizedIsolationRule;
  readonly reason = REASON_CONCURRENCY;
  readonly dryRun: boolean;
  private readonly max: number;

  constructor(rule: NormalizedIsolationRule) {
    this.rule = rule;
    this.dryRun = rule.dryRun;
    this.max = rule.maxConcurrency;
  }

  check(node: ResourceNode): number {
    return node.inflight + 1 > this.max ? BLOCKED : 0;
  }
}
