// An admitted call. Entries are pooled: exit() returns the object to its guard, so the pass
// path allocates nothing. The price is the usual one of pooling: an Entry must not be used
// after exit() or cancel() (a second exit() on the same, not yet reused, entry is ignored).
import type { ResourceRules } from './manager/compile.ts';
import type { ResourceNode } from './stat/resource-node.ts';
import type { SystemChecker } from './system/checker.ts';
import type { Priority } from './system/priority.ts';

export interface EntryOptions {
  /** The value per-key (hotspot) rules limit: a user id, a tenant, an item id. */
  key?: unknown;
  /** How many units this call counts as for QPS rules (default 1). */
  batch?: number;
  /** For system protection: 'critical' is never shed, 'low' first (default 'normal'). */
  priority?: Priority;
  /** Inbound traffic (a request this process serves) is subject to system protection; outbound calls are not. */
  inbound?: boolean;
}

export interface ExitOptions {
  /** The call failed: counted as an error (breakers, stats). Any value other than undefined/null/false. */
  error?: unknown;
  /** The response time to record, in ms; default: measured from entry (minus any throttling wait). */
  rt?: number;
}

const EXIT_ERROR: ExitOptions = { error: true };

/** What the guard needs back from an Entry; implemented by Guard. */
export interface EntryOwner {
  exitEntry(entry: Entry, error: boolean, rt: number): void;
  cancelEntry(entry: Entry): void;
}

export class Entry {
  /** Discriminates from BlockError: `if (e.blocked) ...`. */
  readonly blocked = false as const;
  /**
   * > 0 when a throttling rule paced this call: wait this many ms before doing the work.
   * guard.run, guard.entryAsync and the Fastify plugin wait for you.
   */
  waitMs = 0;
  /** Clock time at entry. */
  startedAt = 0;
  // Internal state, valid between entry and exit.
  node: ResourceNode<ResourceRules> | null = null;
  rules: ResourceRules | null = null;
  system: SystemChecker | null = null;
  key: unknown = undefined;
  batch = 1;
  /** Bit i set: breaker i of `rules.breakers` admitted this call as a half-open probe. */
  probeMask = 0;
  active = false;
  /** Set by guard.run for the settle handlers below. */
  runOptions: { fallback?: (error: unknown) => unknown; isError?: (error: unknown) => boolean } | undefined = undefined;
  private readonly owner: EntryOwner;

  constructor(owner: EntryOwner) {
    this.owner = owner;
  }

  // guard.run settles through these: made once per pooled Entry, so an async call under the
  // guard allocates only what `then` itself does, not two closures per call.
  readonly settleFulfilled = (value: unknown): unknown => {
    this.runOptions = undefined;
    if (this.active) this.owner.exitEntry(this, false, -1);
    return value;
  };
  /** For a run without fallback: records the failure, leaves the rejection to the caller's promise. */
  readonly settleRejectedQuietly = (error: unknown): void => {
    const isError = this.runOptions?.isError;
    this.runOptions = undefined;
    this.exit(isError === undefined || isError(error) ? EXIT_ERROR : undefined);
  };
  readonly settleRejected = (error: unknown): unknown => {
    const options = this.runOptions;
    this.runOptions = undefined;
    this.exit(options?.isError === undefined || options.isError(error) ? EXIT_ERROR : undefined);
    if (options?.fallback) return options.fallback(error);
    throw error;
  };

  get resource(): string {
    return this.node?.name ?? '';
  }

  /** The call finished. Pass `{ error }` when it failed; rt defaults to the time since entry. */
  exit(options?: ExitOptions): void {
    if (!this.active) return;
    const error = options !== undefined && options.error !== undefined && options.error !== null && options.error !== false;
    const rt = options?.rt;
    this.owner.exitEntry(this, error, rt === undefined ? -1 : rt);
  }

  /** The call never ran (e.g. aborted while waiting for its throttled slot): undo the admission. */
  cancel(): void {
    if (!this.active) return;
    this.owner.cancelEntry(this);
  }
}
