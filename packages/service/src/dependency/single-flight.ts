// Coalesces concurrent loads of one key: the first caller runs the load, the others wait for
// its result. A cold cache under a burst therefore costs the upstream one call per key, not
// one per request (the thundering herd).

export class SingleFlight<V> {
  readonly #inflight = new Map<string, Promise<V>>();

  get size(): number {
    return this.#inflight.size;
  }

  has(key: string): boolean {
    return this.#inflight.has(key);
  }

  /** Runs `load` unless a load of `key` is already running; `shared` says which happened. */
  run(key: string, load: () => Promise<V>): { promise: Promise<V>; shared: boolean } {
    const running = this.#inflight.get(key);
    if (running) return { promise: running, shared: true };
    const promise = (async () => {
      try {
        return await load();
      } finally {
        this.#inflight.delete(key);
      }
    })();
    this.#inflight.set(key, promise);
    return { promise, shared: false };
  }
}
