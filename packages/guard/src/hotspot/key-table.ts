// Per-key state in a fixed number of slots, least recently used evicted first. The slots'
// numbers live in typed arrays and the LRU list is threaded through Int32Arrays, so touching a
// known key allocates nothing; only a key never seen before costs a Map insertion. A flood of
// distinct keys therefore holds at most `capacity` entries (the memory bound sentinel's
// hotspot cache gives, without its per-entry objects).

export class KeyTable {
  readonly capacity: number;
  private readonly index = new Map<unknown, number>();
  private readonly keys: unknown[];
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  /** Most and least recently used slot; -1 when empty. */
  private mru = -1;
  private lru = -1;
  private used = 0;
  // Per-slot state for the checker.
  readonly tokens: Float64Array;
  readonly stamp: Float64Array;
  readonly limit: Float64Array;
  readonly inflight: Int32Array;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.keys = new Array<unknown>(capacity).fill(undefined);
    this.prev = new Int32Array(capacity).fill(-1);
    this.next = new Int32Array(capacity).fill(-1);
    this.tokens = new Float64Array(capacity);
    this.stamp = new Float64Array(capacity);
    this.limit = new Float64Array(capacity);
    this.inflight = new Int32Array(capacity);
  }

  get size(): number {
    return this.used;
  }

  /** The slot of `key` without touching its recency; -1 when absent. */
  peek(key: unknown): number {
    return this.index.get(key) ?? -1;
  }

  /**
   * The slot of `key`, made most recently used. A new key takes a free slot or evicts the
   * least recently used one; `created` tells the caller to initialise the slot.
   */
  touch(key: unknown): number {
    const found = this.index.get(key);
    if (found !== undefined) {
      this.moveToFront(found);
      this.created = false;
      return found;
    }
    let slot: number;
    if (this.used < this.capacity) {
      slot = this.used++;
    } else {
      slot = this.lru;
      this.unlink(slot);
      this.index.delete(this.keys[slot]);
    }
    this.keys[slot] = key;
    this.index.set(key, slot);
    this.pushFront(slot);
    this.created = true;
    return slot;
  }

  /** Whether the last touch() created its slot. */
  created = false;

  /** Keys from most to least recently used (for snapshots and tests). */
  keysByRecency(): unknown[] {
    const out: unknown[] = [];
    for (let s = this.mru; s !== -1; s = this.next[s]!) out.push(this.keys[s]);
    return out;
  }

  private moveToFront(slot: number): void {
    if (slot === this.mru) return;
    this.unlink(slot);
    this.pushFront(slot);
  }

  private unlink(slot: number): void {
    const p = this.prev[slot]!;
    const n = this.next[slot]!;
    if (p !== -1) this.next[p] = n;
    else this.mru = n;
    if (n !== -1) this.prev[n] = p;
    else this.lru = p;
    this.prev[slot] = -1;
    this.next[slot] = -1;
  }

  private pushFront(slot: number): void {
    this.prev[slot] = -1;
    this.next[slot] = this.mru;
    if (this.mru !== -1) this.prev[this.mru] = slot;
    this.mru = slot;
    if (this.lru === -1) this.lru = slot;
  }
}
