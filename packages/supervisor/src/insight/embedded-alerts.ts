// The `alerts:` and `slos:` sections evaluated in the daemon: the rules `holdfast gen alerts`
// writes for Prometheus (the same generator, the same evaluator the backtest proves against
// Prometheus), run here over the scraped series at every evaluation interval, each alert that
// starts or stops firing handed on as a signal. No clock, no timers: the caller passes the time
// (daemon-alerts.ts schedules it; the tests drive it over simulated days).
import type { Signal } from '@holdfast/insight';
import {
  DEFAULT_LOOKBACK_MS,
  generateRules,
  historyNeeded,
  RuleEvaluator,
  compileRules,
  type AlertsConfig,
  type CompiledGroup,
} from '@holdfast/insight/promql';
import { signalOfAlert } from './alert-signals.ts';
import { RuleSeries, type ScrapedSample } from './rule-series.ts';

export interface EmbeddedAlertsOptions {
  /** Series taken from scrapes at most (scrape.maxSeries). */
  maxSeries: number;
}

export interface EmbeddedAlertsStatus {
  rules: { groups: number; alerting: number; recording: number };
  evaluationIntervalMs: number;
  /** How far back the rules read, so how long the series are kept. */
  historyMs: number;
  evaluations: number;
  lastEvaluationAt: number | null;
  /** The last evaluation's error, if it failed (the next one runs anyway). */
  lastError: string | null;
  firing: { alertname: string; labels: Record<string, string>; since: number }[];
  pending: number;
  series: number;
  scrapedSeries: number;
  bytes: number;
  boundBytes: number;
  droppedSamples: number;
}

export class EmbeddedAlerts {
  readonly config: AlertsConfig;
  readonly groups: CompiledGroup[];
  readonly series: RuleSeries;
  readonly evaluator: RuleEvaluator;
  readonly #scrapeIntervalMs: number;
  evaluations = 0;
  lastEvaluationAt: number | undefined;
  lastError: string | undefined;

  constructor(config: AlertsConfig, scrapeIntervalMs: number, o: EmbeddedAlertsOptions) {
    this.config = config;
    this.#scrapeIntervalMs = scrapeIntervalMs;
    this.groups = compileRules(generateRules(config));
    this.series = new RuleSeries(this.groups, { maxSeries: o.maxSeries, lookbackMs: DEFAULT_LOOKBACK_MS });
    this.evaluator = new RuleEvaluator(this.series.store, this.groups);
  }

  /** Sample names the rules may read: what the scraper parses for them. */
  want(name: string): boolean {
    return this.series.want(name);
  }

  /** One scrape of an instance (its samples the rules want, or why it failed). */
  scraped(target: { id: string; program: string }, at: number, result: ScrapedSample[] | { error: string }): void {
    this.series.scraped(target, at, result);
  }

  gone(id: string, at: number): void {
    this.series.gone(id, at);
  }

  /**
   * Evaluates every rule at `t` and returns the signals of alerts that began or stopped firing.
   * An evaluation that fails (a rule the evaluator cannot compute on these series) keeps the alert
   * states as they were and throws: the caller says so and evaluates again next time.
   */
  evaluate(t: number): Signal[] {
    this.evaluations++;
    this.lastEvaluationAt = t;
    let changes;
    try {
      changes = this.evaluator.evaluate(t);
      this.lastError = undefined;
    } catch (err) {
      this.lastError = (err as Error).message;
      throw err;
    } finally {
      this.series.trim(t);
    }
    const out: Signal[] = [];
    for (const c of changes) {
      const s = signalOfAlert(c, (labels) => this.#programOf(labels));
      if (s) out.push(s);
    }
    return out;
  }

  #programOf(labels: Readonly<Record<string, string>>): string | undefined {
    if (labels.job) return labels.job;
    const set = labels.service ? this.series.programsOfService.get(labels.service) : undefined;
    return set?.size === 1 ? [...set][0] : undefined;
  }

  status(): EmbeddedAlertsStatus {
    const rules = this.groups.flatMap((g) => g.rules);
    const active = this.evaluator.active();
    const counts = this.series.counts();
    return {
      rules: {
        groups: this.groups.length,
        alerting: rules.filter((r) => r.kind === 'alert').length,
        recording: rules.filter((r) => r.kind === 'record').length,
      },
      evaluationIntervalMs: this.config.evaluationIntervalMs,
      historyMs: Math.max(historyNeeded(this.groups), this.series.longestMs),
      evaluations: this.evaluations,
      lastEvaluationAt: this.lastEvaluationAt ?? null,
      lastError: this.lastError ?? null,
      firing: active
        .filter((a) => a.state.state === 'firing')
        .map((a) => ({ alertname: a.alertname, labels: a.labels, since: a.state.firedAt ?? a.state.activeAt })),
      pending: active.filter((a) => a.state.state === 'pending').length,
      series: counts.series,
      scrapedSeries: counts.scraped,
      bytes: this.series.bytes(),
      boundBytes: this.series.boundBytes(this.#scrapeIntervalMs),
      droppedSamples: this.series.dropped,
    };
  }
}
