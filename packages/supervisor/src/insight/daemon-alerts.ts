// The daemon's alert rules on a timer: EmbeddedAlerts evaluated every evaluationInterval (on an
// injectable clock), reading what the scraper hands it, each alert that starts or stops firing
// ingested by the incident loop. Loaded (lazily, by daemon-scrape.ts) only when the config has a
// `scrape:` section and an `alerts:` or `slos:` section. Without an incident loop, alerts are
// logged. An evaluation that fails is logged once per message and the next one runs anyway.
import type { Signal } from '@holdfast/insight';
import type { AlertsConfig } from '@holdfast/insight/promql';
import type { Logger } from '../logger.ts';
import { missingMetrics, type MissingMetric } from './alert-metrics.ts';
import { EmbeddedAlerts, type EmbeddedAlertsStatus } from './embedded-alerts.ts';
import type { ScrapeSink } from './scraper.ts';

export interface AlertsClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): { cancel(): void };
}

const realClock: AlertsClock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const h = setTimeout(fn, ms);
    h.unref();
    return { cancel: () => clearTimeout(h) };
  },
};

export interface DaemonAlertsOptions {
  config: AlertsConfig;
  scrapeIntervalMs: number;
  maxSeries: number;
  log: Logger;
  /** Where signals go (the incident loop's ingest); absent: they are only logged. */
  ingest?: (s: Signal) => void;
  clock?: AlertsClock;
}

export class DaemonAlerts {
  readonly alerts: EmbeddedAlerts;
  readonly sink: ScrapeSink;
  readonly #o: DaemonAlertsOptions;
  readonly #clock: AlertsClock;
  #timer: { cancel(): void } | undefined;
  #stopped = false;
  #lastLoggedError: string | undefined;
  signals = 0;
  /** Metrics the sections name that no program lists (checked once every program was read). */
  missing: MissingMetric[] | undefined;

  constructor(o: DaemonAlertsOptions) {
    this.#o = o;
    this.#clock = o.clock ?? realClock;
    this.alerts = new EmbeddedAlerts(o.config, o.scrapeIntervalMs, { maxSeries: o.maxSeries });
    const a = this.alerts;
    this.sink = { want: (n) => a.want(n), scraped: (t, at, r) => a.scraped(t, at, r), gone: (id, at) => a.gone(id, at) };
  }

  start(): void {
    const s = this.alerts.status();
    this.#o.log.info(
      {
        groups: s.rules.groups,
        alerting: s.rules.alerting,
        recording: s.rules.recording,
        evaluationIntervalMs: s.evaluationIntervalMs,
        historyMs: s.historyMs,
        boundBytes: s.boundBytes,
      },
      `evaluating ${s.rules.alerting} alerting rule(s) of the alerts:/slos: sections in the daemon ` +
        `every ${s.evaluationIntervalMs / 1000} s`,
    );
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped) return;
    const every = this.#o.config.evaluationIntervalMs;
    // On the interval's beat (as Prometheus aligns a group's evaluations), whatever one took.
    const now = this.#clock.now();
    this.#timer = this.#clock.setTimeout(
      () => {
        this.tick();
        this.#schedule();
      },
      every - (now % every),
    );
  }

  /** One evaluation now: the signals are ingested (or logged) and returned. */
  tick(): Signal[] {
    const t = this.#clock.now();
    let signals: Signal[];
    try {
      signals = this.alerts.evaluate(t);
      this.#lastLoggedError = undefined;
    } catch (err) {
      const message = (err as Error).message;
      if (message !== this.#lastLoggedError)
        this.#o.log.error(
          { err: message },
          `alert rules: the evaluation failed (${message}); the next one runs in ${this.#o.config.evaluationIntervalMs / 1000} s`,
        );
      this.#lastLoggedError = message;
      return [];
    }
    for (const s of signals) {
      this.signals++;
      if (this.#o.ingest) this.#o.ingest(s);
      else
        this.#o.log.warn(
          { alert: s.labels?.alertname, status: s.status, labels: s.labels },
          `alert ${s.status}: ${s.summary} (no incidents: section to raise an incident)`,
        );
    }
    return signals;
  }

  /**
   * After a scrape round: once every program scraped has answered, checks the metrics the sections
   * name against the families they list (`catalog`: program → family → type), and says once
   * which are missing.
   */
  checkMetrics(catalog: ReadonlyMap<string, ReadonlyMap<string, string>>, programs: readonly string[]): void {
    if (this.missing || programs.length === 0 || !programs.every((p) => catalog.has(p))) return;
    const families = new Set<string>();
    for (const p of programs) for (const f of catalog.get(p)!.keys()) families.add(f);
    this.missing = missingMetrics(this.#o.config, families);
    for (const m of this.missing) this.#o.log.warn({ path: m.path, metric: m.metric }, m.message);
  }

  status(): EmbeddedAlertsStatus & { signals: number; missingMetrics: MissingMetric[] | null } {
    return { ...this.alerts.status(), signals: this.signals, missingMetrics: this.missing ?? null };
  }

  /** The evaluator's own metrics, appended to the daemon's /metrics. */
  metrics(): string {
    const s = this.status();
    const fam = (name: string, type: string, help: string, v: number) => `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${v}`;
    return [
      fam('holdfast_alerts_firing', 'gauge', 'Alerts of the daemon\u2019s rules firing now', s.firing.length),
      fam('holdfast_alerts_evaluations_total', 'counter', 'Evaluations of the daemon\u2019s alert rules', s.evaluations),
      fam('holdfast_alerts_evaluation_failing', 'gauge', '1 when the last evaluation of the alert rules failed', s.lastError ? 1 : 0),
      fam('holdfast_alerts_series', 'gauge', 'Series the alert rules read, scraped and recorded', s.series),
      fam('holdfast_alerts_store_bytes', 'gauge', 'Bytes the alert rules\u2019 series hold', s.bytes),
      fam(
        'holdfast_alerts_dropped_samples_total',
        'counter',
        'Scraped samples the alert rules\u2019 store refused (scrape.maxSeries reached, or out of order)',
        s.droppedSamples,
      ),
    ].join('\n\n');
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
  }
}
