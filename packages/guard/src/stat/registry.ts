// The resources a guard tracks, by name. Names come from callers (and, through adapters, from
// requests), so the count is capped: past maxResources, new names share one untracked,
// rule-less node instead of growing memory without bound. Resources named by rules are always
// tracked, whatever the cap. `R` is whatever the rule manager hangs on a node; the registry
// only hands it to new nodes.
import { ResourceNode } from './resource-node.ts';

const OVERFLOW = '(overflow)';

export class ResourceRegistry<R> {
  readonly nodes = new Map<string, ResourceNode<R>>();
  private readonly max: number;
  private readonly onOverflow: (resource: string) => void;
  private overflowed = false;
  /** The rules of a resource created now (the rule manager replaces it on every swap). */
  rulesFor: (resource: string) => R;

  constructor(max: number, noRules: R, onOverflow: (resource: string) => void) {
    this.max = max;
    this.onOverflow = onOverflow;
    this.rulesFor = () => noRules;
  }

  // The last name asked for and its node: a caller that guards one resource in a loop (guard.run
  // around the same call) skips the Map's hashing and probing; a string compare of the same
  // constant is a pointer compare.
  private lastName = '';
  private lastNode: ResourceNode<R> | null = null;

  /** The node of `resource`, created on first use (or the shared overflow node past the cap). */
  get(resource: string): ResourceNode<R> {
    if (resource === this.lastName && this.lastNode !== null) return this.lastNode;
    const found = this.nodes.get(resource);
    if (found !== undefined) {
      this.lastName = resource;
      this.lastNode = found;
      return found;
    }
    if (this.nodes.size >= this.max) {
      if (!this.overflowed) this.onOverflow(resource);
      this.overflowed = true;
      return this.nodes.get(OVERFLOW) ?? this.force(OVERFLOW);
    }
    return this.force(resource);
  }

  /** The node of `resource`, created regardless of the cap. */
  force(resource: string): ResourceNode<R> {
    const found = this.nodes.get(resource);
    if (found !== undefined) return found;
    const node = new ResourceNode<R>(resource, this.rulesFor(resource));
    this.nodes.set(resource, node);
    return node;
  }
}
