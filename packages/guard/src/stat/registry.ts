// The resources a guard tracks, by name. Names come from callers (and, through adapters, from
// requests), so the count is capped: past maxResources, new names share one untracked,
// rule-less node instead of growing memory without bound. Resources named by rules are always
// tracked, whatever the cap.
import { DEFAULT_STAT_BUCKETS, DEFAULT_STAT_INTERVAL_MS } from '../flow/rule.ts';
import type { ResourceRules } from '../rules/compile.ts';
import { NO_RULES } from '../rules/compile.ts';
import { ResourceNode } from './resource-node.ts';

const OVERFLOW = '(overflow)';
export type Node = ResourceNode<ResourceRules>;

export class ResourceRegistry {
  readonly nodes = new Map<string, Node>();
  private readonly max: number;
  private readonly onOverflow: (resource: string) => void;
  private overflowed = false;
  /** Rules for a resource created after the last swap. */
  rulesFor: (resource: string) => ResourceRules = () => NO_RULES;

  constructor(max: number, onOverflow: (resource: string) => void) {
    this.max = max;
    this.onOverflow = onOverflow;
  }

  /** The node of `resource`, created on first use (or the shared overflow node past the cap). */
  get(resource: string): Node {
    const found = this.nodes.get(resource);
    if (found !== undefined) return found;
    if (this.nodes.size >= this.max) {
      if (!this.overflowed) this.onOverflow(resource);
      this.overflowed = true;
      return this.nodes.get(OVERFLOW) ?? this.force(OVERFLOW);
    }
    return this.force(resource);
  }

  /** Creates `resource`'s node regardless of the cap. */
  force(resource: string): Node {
    const node = new ResourceNode<ResourceRules>(resource, this.rulesFor(resource), DEFAULT_STAT_INTERVAL_MS, DEFAULT_STAT_BUCKETS);
    this.nodes.set(resource, node);
    return node;
  }
}
