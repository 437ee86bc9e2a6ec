// holdfast_log_template_lines_total{program,template} with bounded cardinality: at most `top`
// templates per program have a series of their own, chosen by their rate; every other line
// counts under template="other". Each series is a true counter: a template's series counts the
// lines since it got one, and a template that loses its series to a faster one counts under
// `other` from then on, so neither ever goes down (a series that comes back starts again at 0,
// which Prometheus reads as a counter reset).

export class TemplateCounters {
  readonly top: number;
  /** Templates with a series: lines counted since they got it. */
  readonly #series = new Map<string, number>();
  /** Lines per template since the last rebalance (the rate that picks the series). */
  #recent = new Map<string, number>();
  #other = 0;

  constructor(top: number) {
    this.top = top;
  }

  add(id: string): void {
    const s = this.#series.get(id);
    if (s !== undefined) this.#series.set(id, s + 1);
    else if (this.#series.size < this.top) this.#series.set(id, 1);
    else this.#other++;
    this.#recent.set(id, (this.#recent.get(id) ?? 0) + 1);
  }

  /**
   * Gives series to the fastest templates since the last call: one without a series replaces the
   * slowest holder when it was faster. `alive` says whether a template still exists (an evicted
   * or absorbed one gives its series up first).
   */
  rebalance(alive: (id: string) => boolean): void {
    for (const id of this.#series.keys()) if (!alive(id)) this.#series.delete(id);
    const rate = (id: string) => this.#recent.get(id) ?? 0;
    const holders = [...this.#series.keys()].sort((a, b) => rate(a) - rate(b));
    const candidates = [...this.#recent.keys()].filter((id) => !this.#series.has(id) && alive(id)).sort((a, b) => rate(b) - rate(a));
    for (const c of candidates) {
      if (this.#series.size < this.top) {
        this.#series.set(c, 0);
        continue;
      }
      const slowest = holders[0];
      if (slowest === undefined || rate(slowest) >= rate(c)) break;
      holders.shift();
      this.#series.delete(slowest);
      this.#series.set(c, 0);
    }
    this.#recent = new Map();
  }

  /** [template id or 'other', lines] for the exposition. */
  rows(): [string, number][] {
    return [...this.#series, ['other', this.#other]];
  }
}
