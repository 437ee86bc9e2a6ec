// An anti-replay window per sender, as IPsec's (RFC 4303 §3.4.3): the highest sequence number
// seen, and a bitmap of which of the `size` numbers below it have arrived. Newer numbers are
// accepted (and slide the window), a number inside the window is accepted once, and anything
// older than the window is refused. Reordering within the window is therefore tolerated.
export class ReplayWindow {
  readonly size: number;
  #highest = -1;
  /** bit i set = (highest − i) was seen. */
  #seen = 0n;

  constructor(size = 64) {
    if (!Number.isInteger(size) || size < 1 || size > 1024) throw new RangeError('replay window size must be 1–1024');
    this.size = size;
  }

  get highest(): number {
    return this.#highest;
  }

  /** True (and recorded) when `seq` is new; false for a replay or a number older than the window. */
  accept(seq: number): boolean {
    if (!Number.isSafeInteger(seq) || seq < 0) return false;
    const mask = (1n << BigInt(this.size)) - 1n;
    if (seq > this.#highest) {
      const shift = seq - this.#highest;
      this.#seen = shift >= this.size ? 1n : ((this.#seen << BigInt(shift)) | 1n) & mask;
      this.#highest = seq;
      return true;
    }
    const offset = this.#highest - seq;
    if (offset >= this.size) return false;
    const bit = 1n << BigInt(offset);
    if (this.#seen & bit) return false;
    this.#seen |= bit;
    return true;
  }
}
