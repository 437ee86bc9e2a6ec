// The series the daemon's alert rules read, fed from the same scrapes as the root-cause store.
// The root-cause ring (RingStore) keeps every RED series at the scrape's resolution for minutes;
// rules read a few series for days (an SLO's 3-day burn window, a seasonal band's past weeks), so
// they get their own store, holding only what some selector of some rule matches, each metric for
// as long as the rules look back at it, and no more series than `maxSeries`.
// Scraped samples get the labels Prometheus gives them (job = the program, instance = the
// instance; a label of the same name in the answer becomes exported_job / exported_instance),
// and a series that a scrape stopped returning, or whose target failed or went away, gets a
// staleness marker, as Prometheus writes one: the evaluator then answers as Prometheus would.
// Pure data: times are passed in.
import { labelsFrom, matches, SeriesStore, walkSelectors, type CompiledGroup, type Labels, type Matcher } from '@holdfast/insight/promql';

export interface ScrapedSample {
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

interface Selector {
  /** Matchers other than the metric name. */
  matchers: Matcher[];
}

interface TargetSeries {
  program: string;
  /** Label sets returned by the last successful scrape, by key. */
  last: Map<string, Labels>;
}

const keyOf = (l: Labels) => l.map(([n, v]) => `${n}\xfe${v}`).join('\xff');

export interface RuleSeriesOptions {
  /** Series taken from scrapes at most; a scrape that would add more is cut and counted in `dropped`. */
  maxSeries: number;
  /** Prometheus's lookback delta: an instant selector reads this far back. */
  lookbackMs: number;
}

export class RuleSeries {
  readonly store = new SeriesStore();
  /** Selectors by the metric name they name (a selector without a fixed name is under ''). */
  readonly #selectors = new Map<string, Selector[]>();
  /** How far back the rules read each metric (raw or recorded). */
  readonly #horizon = new Map<string, number>();
  readonly #longest: number;
  readonly #targets = new Map<string, TargetSeries>();
  readonly #o: RuleSeriesOptions;
  /** Series created from scrapes (recorded series are the evaluator's, bounded by the rules and their inputs). */
  #scraped = new Set<string>();
  /** Samples refused: maxSeries reached, or out of order. */
  dropped = 0;
  /** Programs whose samples carry each `service` label: an alert on a service names its program. */
  readonly programsOfService = new Map<string, Set<string>>();

  constructor(groups: readonly CompiledGroup[], o: RuleSeriesOptions) {
    this.#o = o;
    let longest = o.lookbackMs;
    for (const g of groups) {
      for (const r of g.rules) {
        walkSelectors(r.expr, (s, rangeMs) => {
          const reach = s.offsetMs + (rangeMs || o.lookbackMs);
          const name = s.name;
          const list = this.#selectors.get(name) ?? [];
          list.push({ matchers: s.matchers.filter((m) => m.name !== '__name__' || !name) });
          this.#selectors.set(name, list);
          this.#horizon.set(name, Math.max(this.#horizon.get(name) ?? 0, reach));
          longest = Math.max(longest, reach);
        });
      }
    }
    this.#longest = longest;
  }

  /** The longest history any rule reads (ms). */
  get longestMs(): number {
    return this.#longest;
  }

  /** Whether some rule may read samples of this name: the scraper parses only those. */
  want(name: string): boolean {
    if (this.#selectors.has(name)) return true;
    const any = this.#selectors.get('');
    return any !== undefined && any.some((s) => s.matchers.every((m) => m.name !== '__name__' || matches(m, name)));
  }

  #selected(name: string, labels: Labels): boolean {
    const get = (n: string) => (n === '__name__' ? name : (labels.find(([k]) => k === n)?.[1] ?? ''));
    const hit = (list: Selector[] | undefined) => list?.some((s) => s.matchers.every((m) => matches(m, get(m.name)))) ?? false;
    return hit(this.#selectors.get(name)) || hit(this.#selectors.get(''));
  }

  /** One scrape of `target` at `at`: its samples, or the error that stopped it. */
  scraped(target: { id: string; program: string }, at: number, result: ScrapedSample[] | { error: string }): void {
    let ts = this.#targets.get(target.id);
    if (!ts || ts.program !== target.program) {
      if (ts) this.gone(target.id, at);
      ts = { program: target.program, last: new Map() };
      this.#targets.set(target.id, ts);
    }
    if (!Array.isArray(result)) {
      // A failed scrape ends every series of the target at once, as Prometheus marks them stale.
      this.#markStale(ts.last, at);
      ts.last = new Map();
      return;
    }
    const now = new Map<string, Labels>();
    for (const s of result) {
      const labels = this.#labels(s, target);
      if (!this.#selected(s.name, labels)) continue;
      const full = labelsFrom({ ...Object.fromEntries(labels), __name__: s.name });
      const k = keyOf(full);
      if (!this.#scraped.has(k)) {
        if (this.#scraped.size >= this.#o.maxSeries) {
          this.dropped++;
          continue;
        }
        this.#scraped.add(k);
      }
      try {
        this.store.append(full, at, s.value);
      } catch {
        // Two samples of one series in one answer, or a clock that went back: Prometheus drops them too.
        this.dropped++;
        continue;
      }
      now.set(k, full);
      const service = s.labels.service;
      if (service) {
        const set = this.programsOfService.get(service) ?? new Set();
        set.add(target.program);
        this.programsOfService.set(service, set);
      }
    }
    for (const [k, l] of ts.last) if (!now.has(k)) this.#markStale([[k, l]], at);
    ts.last = now;
  }

  /** A target no longer scraped (its instance stopped): its series end now. */
  gone(id: string, at: number): void {
    const ts = this.#targets.get(id);
    if (!ts) return;
    this.#markStale(ts.last, at);
    this.#targets.delete(id);
  }

  #markStale(series: Iterable<[string, Labels]>, at: number): void {
    for (const [, l] of series) {
      try {
        this.store.append(l, at, NaN, true);
      } catch {
        // A marker older than the series' last sample: the series already went on; nothing to end.
      }
    }
  }

  /** The sample's labels as Prometheus stores them: job and instance added, clashing ones renamed. */
  #labels(s: ScrapedSample, target: { id: string; program: string }): Labels {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(s.labels)) out[k === 'job' || k === 'instance' ? `exported_${k}` : k] = v;
    out.job = target.program;
    out.instance = target.id;
    return labelsFrom(out);
  }

  /** Forgets what no rule reads any more: each metric beyond its own horizon, and series left empty. */
  trim(now: number): void {
    const lookback = this.#o.lookbackMs;
    for (const s of this.store.series()) {
      const name = s.labels.find(([k]) => k === '__name__')?.[1] ?? '';
      // Recorded series that no rule reads back still serve the current evaluation's annotations.
      const keep = this.#horizon.get(name) ?? lookback;
      s.truncateBefore(now - keep);
    }
    const before = this.store.size;
    this.store.truncateBefore(now - this.#longest);
    if (this.store.size !== before) {
      const live = new Set(this.store.series().map((s) => keyOf(s.labels)));
      for (const k of this.#scraped) if (!live.has(k)) this.#scraped.delete(k);
    }
  }

  /** Series held, and how many came from scrapes. */
  counts(): { series: number; scraped: number } {
    return { series: this.store.size, scraped: this.#scraped.size };
  }

  /** Bytes the samples take (8 a time, 8 a value, as allocated) plus each series' labels. */
  bytes(): number {
    let b = 0;
    for (const s of this.store.series()) b += s.t.byteLength + s.v.byteLength + s.staleAt.length * 8 + s.key.length * 2 + 200;
    return b;
  }

  /**
   * The scraped series' bound: maxSeries series, each holding its horizon at one sample a scrape,
   * in arrays that grow by doubling (so up to twice that), 16 bytes a sample.
   */
  boundBytes(scrapeIntervalMs: number): number {
    let rawHorizon = 0;
    for (const [name, h] of this.#horizon) if (!name.includes(':')) rawHorizon = Math.max(rawHorizon, h);
    return this.#o.maxSeries * (2 * Math.ceil(rawHorizon / scrapeIntervalMs + 1) * 16 + 300);
  }
}
