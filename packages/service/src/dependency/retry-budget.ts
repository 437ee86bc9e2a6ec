// A retry budget in the style of Finagle's RetryBudget: every request deposits a fraction of a
// token, every retry withdraws a whole one, and a small floor refills with time so a quiet
// service can still retry. Retries can therefore never exceed `ratio` of the traffic plus
// `minPerSecond`: when an upstream is down, retries do not multiply the load on it.
// Pure: the clock is passed in.

export interface RetryBudgetOptions {
  /** Retries allowed as a fraction of requests (0.1: one retry per ten requests). */
  ratio: number;
  /** Retries allowed per second regardless of traffic. */
  minPerSecond: number;
  /** Most tokens the budget can hold (bounds a burst of retries after a quiet spell). */
  maxTokens: number;
}

export class RetryBudget {
  readonly options: RetryBudgetOptions;
  #balance: number;
  #last: number;

  constructor(options: RetryBudgetOptions, now: number) {
    const { ratio, minPerSecond, maxTokens } = options;
    if (!(ratio >= 0 && ratio <= 1)) throw new RangeError(`retry budget: ratio must be within 0..1, got ${ratio}`);
    if (!(minPerSecond >= 0) || !Number.isFinite(minPerSecond))
      throw new RangeError(`retry budget: minPerSecond must be >= 0, got ${minPerSecond}`);
    if (!(maxTokens >= 1) || !Number.isFinite(maxTokens)) throw new RangeError(`retry budget: maxTokens must be >= 1, got ${maxTokens}`);
    this.options = options;
    this.#balance = Math.min(maxTokens, Math.max(1, minPerSecond));
    this.#last = now;
  }

  get balance(): number {
    return this.#balance;
  }

  #refill(now: number): void {
    const elapsed = Math.max(0, now - this.#last);
    this.#last = now;
    this.#balance = Math.min(this.options.maxTokens, this.#balance + (this.options.minPerSecond * elapsed) / 1000);
  }

  /** A first attempt was made. */
  deposit(now: number): void {
    this.#refill(now);
    this.#balance = Math.min(this.options.maxTokens, this.#balance + this.options.ratio);
  }

  /** Takes a token for one retry; false when the budget is spent (do not retry). */
  tryWithdraw(now: number): boolean {
    this.#refill(now);
    // The epsilon absorbs float drift: ten deposits of 0.1 make one token.
    if (this.#balance < 1 - 1e-9) return false;
    this.#balance = Math.max(0, this.#balance - 1);
    return true;
  }
}
