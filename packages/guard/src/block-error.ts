// What guard.entry() returns instead of an Entry when a rule says no. It is an Error (so
// guard.run can reject with it) but built without a stack trace: blocking is the normal answer
// of an overloaded service and must stay cheap, and a stack would only point into the guard.
import { BLOCK_REASONS, type BlockReason } from './block-reason.ts';
import { GuardError, type GuardErrorCode, errorTable } from './errors.ts';

const CODES: Record<BlockReason, GuardErrorCode> = {
  flow: 'HOLDFAST_E_BLOCKED_FLOW',
  breaker: 'HOLDFAST_E_BLOCKED_BREAKER',
  hotkey: 'HOLDFAST_E_BLOCKED_HOTKEY',
  concurrency: 'HOLDFAST_E_BLOCKED_CONCURRENCY',
  system: 'HOLDFAST_E_BLOCKED_SYSTEM',
};

/** The rule that blocked, as loaded (defaults filled in). */
export interface BlockingRule {
  id: string;
  resource?: string;
  [field: string]: unknown;
}

export class BlockError extends GuardError {
  /** Discriminates from Entry: `if (e.blocked) ...`. */
  readonly blocked = true as const;
  readonly reason: BlockReason;
  readonly resource: string;
  readonly rule: BlockingRule;
  /** When the caller may expect to pass again (a hint for Retry-After). */
  readonly retryAfterMs: number;
  /** The limit in force when it blocked (threshold, per-key limit, max concurrency); NaN for breaker and system. */
  readonly quota: number;
  /** The window the quota applies to in ms (0 for concurrency limits). */
  readonly windowMs: number;
  /** The per-key value that was limited (hotkey blocks). */
  readonly key: unknown;

  constructor(reason: number, resource: string, rule: BlockingRule, retryAfterMs: number, quota = NaN, windowMs = 0, key?: unknown) {
    const r = BLOCK_REASONS[reason]!;
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(CODES[r], undefined);
    Error.stackTraceLimit = limit;
    this.name = 'BlockError';
    this.reason = r;
    this.resource = resource;
    this.rule = rule;
    this.retryAfterMs = retryAfterMs;
    this.quota = quota;
    this.windowMs = windowMs;
    this.key = key;
  }
}

// The message is built on first read: most blocks are answered without anyone reading it.
Object.defineProperty(BlockError.prototype, 'message', {
  configurable: true,
  get(this: BlockError): string {
    return (
      `${this.resource}: ${errorTable[this.code].message} (rule ` +
      `'${this.rule.id}'${
        this.key !== undefined ? `, ` + `key ${String(this.key)}` : ''
      }${this.retryAfterMs > 0 ? `, retry after ${Math.ceil(this.retryAfterMs)} ms` : ''})`
    );
  },
});
