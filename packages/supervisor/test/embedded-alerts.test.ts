// The alerts:/slos: sections evaluated in the daemon, on a manual clock: a holdfast.yaml loaded
// as the daemon loads it, the scrapes of a service's /metrics text (parsed by the scraper's own
// parser) handed to the evaluator every 15 s, the evaluation timer every minute, the signals
// ingested by a real incident engine over SQLite. Three simulated hours run in well under a
// second; the store keeps only what the rules read.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Incident } from '@holdfast/insight';
import { IncidentEngine, SqliteIncidentStore, type Signal } from '@holdfast/insight/incidents';
import { compileRules } from '@holdfast/insight/promql';
import { parseExposition } from '@holdfast/insight/rootcause';
import type { ConfigError } from '@holdfast/config';
import { tempDir } from '@holdfast/testkit';
import { loadSupervisorConfig } from '../src/config/load.ts';
import { DaemonAlerts } from '../src/insight/daemon-alerts.ts';
import { RuleSeries, type ScrapedSample } from '../src/insight/rule-series.ts';
import { silentLogger } from '../src/logger.ts';

class ManualClock {
  t: number;
  #timers: { at: number; fn: () => void; seq: number; cancelled: boolean }[] = [];
  #seq = 0;
  constructor(start: number) {
    this.t = start;
  }
  now = (): number => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const timer = { at: this.t + Math.max(0, ms), fn, seq: this.#seq++, cancelled: false };
    this.#timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  };
  /** Moves time forward, running every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.#timers.filter((x) => !x.cancelled && x.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.#timers = this.#timers.filter((x) => x !== due);
      this.t = Math.max(this.t, due.at);
      due.fn();
    }
    this.t = end;
  }
}

const YAML = `programs:
  orders:
    command: [node, -e, "setInterval(() => {}, 1000)"]
    metrics: {url: "http://127.0.0.1:9464/metrics"}
scrape: {interval: 15s, maxSeries: 100}
incidents: {quietPeriod: 1h}
alerts:
  owner: team-orders
  runbook: https://runbooks.example/orders
  baselines:
    - name: orders_errors
      service: orders
      signal: errors
      strategy: static
      static: {above: 0.2}
      for: 5m
      severity: error
slos:
  - name: orders_availability
    service: orders
    objective: 99%
    runbook: https://runbooks.example/orders-slo
`;

/** A service's /metrics answer: its request counters, and a runtime gauge no rule reads. */
class OrdersService {
  ok = 0;
  failed = 0;
  #owed = 0;
  errorShare = 0.001;
  /** `seconds` of traffic at 10 requests a second. */
  serve(seconds: number): void {
    const n = 10 * seconds;
    this.#owed += n * this.errorShare;
    const bad = Math.floor(this.#owed);
    this.#owed -= bad;
    this.failed += bad;
    this.ok += n - bad;
  }
  text(): string {
    return [
      '# HELP holdfast_http_requests_total Requests served',
      '# TYPE holdfast_http_requests_total counter',
      `holdfast_http_requests_total{method="POST",route="/orders",status="200",service="orders"} ${this.ok}`,
      `holdfast_http_requests_total{method="POST",route="/orders",status="500",service="orders"} ${this.failed}`,
      `holdfast_http_requests_total{method="GET",route="/other",status="200",service="billing"} 5`,
      '# TYPE nodejs_heap_size_used_bytes gauge',
      'nodejs_heap_size_used_bytes{service="orders"} 12345678',
      '',
    ].join('\n');
  }
}

function scrape(alerts: DaemonAlerts, text: string, at: number): void {
  const samples: ScrapedSample[] = [];
  parseExposition(
    text,
    (n) => alerts.sink.want(n),
    (name, labels, value) => samples.push({ name, labels, value }),
  );
  alerts.sink.scraped({ id: 'orders', program: 'orders' }, at, samples);
}

test(
  'an error-rate jump opens incidents (static baseline and SLO burn rate) with owner, severity and runbook; ' + 'recovery resolves them',
  async (t) => {
    const dir = tempDir(t);
    writeFileSync(join(dir, 'holdfast.yaml'), YAML);
    const config = await loadSupervisorConfig(join(dir, 'holdfast.yaml'));
    assert.ok(config.alerting, 'the daemon gets the rules because the config has scrape: and alerts:');
    assert.equal(config.alerting.evaluationIntervalMs, 60_000);

    const clock = new ManualClock(Date.UTC(2026, 11, 7, 0, 0, 0));
    const engine = new IncidentEngine({
      config: config.incidents!,
      openStore: () => new SqliteIncidentStore({ file: join(dir, 'incidents.sqlite') }),
      storeLocation: dir,
      clock,
    });
    t.after(() => engine.close());
    const signals: Signal[] = [];
    const alerts = new DaemonAlerts({
      config: config.alerting,
      scrapeIntervalMs: config.scrape!.interval,
      maxSeries: config.scrape!.maxSeries,
      log: silentLogger,
      ingest: (s) => {
        signals.push(s);
        engine.ingest(s);
      },
      clock,
    });
    alerts.start();
    t.after(() => alerts.stop());
    const svc = new OrdersService();
    const run = (minutes: number, until?: () => boolean): number => {
      const start = clock.t;
      for (let s = 0; s < minutes * 4; s++) {
        svc.serve(15);
        scrape(alerts, svc.text(), clock.t);
        clock.advance(15_000);
        if (until?.()) break;
      }
      return clock.t - start;
    };
    const live = (alertname: string): Incident | undefined => engine.list({ state: 'live' }).find((i) => i.labels?.alertname === alertname);

    run(120);
    assert.equal(signals.length, 0, 'two healthy hours at 0.1 % errors: nothing fires');
    const healthy = alerts.status();
    assert.equal(healthy.evaluations, 120);
    assert.equal(healthy.lastError, null);
    assert.equal(healthy.scrapedSeries, 2, "only the orders series the rules select: billing's and the heap gauge are not kept");

    svc.errorShare = 0.5;
    const toStatic = run(30, () => live('OrdersErrorsAnomaly') !== undefined);
    const errorsIncident = live('OrdersErrorsAnomaly');
    assert.ok(errorsIncident, `the static baseline fired within 30 min: ${signals.map((s) => s.summary).join('; ')}`);
    assert.ok(toStatic <= 10 * 60_000, `5xx share above 0.2 over 5 m, held for 5 m: ${toStatic / 60_000} min`);
    assert.equal(errorsIncident.severity, 'error');
    assert.equal(errorsIncident.owner, 'team-orders');
    assert.equal(errorsIncident.runbook, 'https://runbooks.example/orders');
    assert.equal(errorsIncident.program, 'orders');
    assert.equal(errorsIncident.labels?.service, 'orders');
    assert.match(errorsIncident.summary, /orders_errors: the share of 5xx responses of service=orders is above its static band/);

    const toPage = run(40, () => live('OrdersAvailabilityErrorBudgetBurnFast') !== undefined);
    const page = live('OrdersAvailabilityErrorBudgetBurnFast');
    assert.ok(page, 'the SLO page alert fired');
    assert.ok(
      toStatic + toPage <= 25 * 60_000,
      `50 % errors burn a 99 % budget 50x: over 14.4x on 1 h after ~18 min, held 2 m (${(toStatic + toPage) / 60_000} min)`,
    );
    assert.equal(page.severity, 'critical');
    assert.equal(page.owner, 'team-orders');
    assert.equal(page.runbook, 'https://runbooks.example/orders-slo');
    const fired = signals.find((s) => s.labels?.alertname === 'OrdersAvailabilityErrorBudgetBurnFast')!;
    assert.match(
      String(fired.details?.description),
      /burn the error budget of a 99 % SLO over 30d [\d.]+× as fast as it allows .*of the budget is left/,
    );
    assert.equal(
      alerts.status().firing.some((f) => f.alertname === 'OrdersErrorsAnomaly'),
      true,
    );

    svc.errorShare = 0.001;
    run(45, () => live('OrdersErrorsAnomaly') === undefined && live('OrdersAvailabilityErrorBudgetBurnFast') === undefined);
    assert.equal(live('OrdersErrorsAnomaly'), undefined, 'the baseline alert resolved, and its incident with it');
    assert.equal(live('OrdersAvailabilityErrorBudgetBurnFast'), undefined, 'the page alert resolved once the 30 m window cleared');
    const ended = engine.get(errorsIncident.id)!;
    assert.equal(ended.state, 'resolved');
    assert.equal(ended.resolution, 'source');
    assert.ok(signals.some((s) => s.status === 'resolved' && s.labels?.alertname === 'OrdersErrorsAnomaly'));

    const s = alerts.status();
    // The SLO's longest raw window is 3 days; its budget reads 30 days of its recorded 5 m rate.
    assert.equal(s.historyMs, 30 * 86_400_000 + 0);
    assert.ok(s.bytes < 1_000_000, `${s.bytes} bytes for ${s.series} series after 3 h`);
    assert.ok(s.boundBytes >= 100 * 2 * ((3 * 86_400_000) / 15_000) * 16, 'the bound covers maxSeries series over the 3-day window');
    assert.match(alerts.metrics(), /holdfast_alerts_evaluations_total \d+/);
  },
);

test(
  'the rules’ store: job and instance labels as Prometheus adds them, staleness on a failed scrape, the series ' +
    'cap, and only the history read',
  () => {
    const groups = compileRules({
      groups: [
        {
          name: 'g',
          rules: [
            { record: 'x:rate1m', expr: 'sum by (service) (rate(req_total{service="a"}[1m]))' },
            { alert: 'Up', expr: 'up_gauge{job="a"} == 0' },
          ],
        },
      ],
    });
    const rs = new RuleSeries(groups, { maxSeries: 3, lookbackMs: 5 * 60_000 });
    assert.equal(rs.want('req_total'), true);
    assert.equal(rs.want('other_total'), false);
    const T = 1_800_000_000_000;
    const s = (name: string, labels: Record<string, string>, value: number) => ({ name, labels, value });
    rs.scraped({ id: 'a:0', program: 'a' }, T, [
      s('req_total', { service: 'a', instance: 'pod-7' }, 1),
      s('req_total', { service: 'b' }, 1),
      s('up_gauge', {}, 1),
    ]);
    const labels = rs.store.series().map((x) => Object.fromEntries(x.labels));
    assert.deepEqual(labels, [
      { __name__: 'req_total', exported_instance: 'pod-7', instance: 'a:0', job: 'a', service: 'a' },
      { __name__: 'up_gauge', instance: 'a:0', job: 'a' },
    ]);
    rs.scraped({ id: 'a:0', program: 'a' }, T + 15_000, { error: 'ECONNREFUSED' });
    for (const x of rs.store.series()) assert.deepEqual(x.staleAt, [T + 15_000], 'a failed scrape ends every series of the target');
    rs.scraped({ id: 'a:1', program: 'a' }, T + 30_000, [
      s('req_total', { service: 'a', route: '/1' }, 1),
      s('req_total', { service: 'a', route: '/2' }, 1),
    ]);
    assert.equal(rs.counts().scraped, 3);
    assert.equal(rs.dropped, 1, 'the fourth series is refused at maxSeries 3');
    for (let i = 3; i < 100; i++)
      rs.scraped({ id: 'a:1', program: 'a' }, T + i * 15_000, [s('req_total', { service: 'a', route: '/1' }, i)]);
    rs.trim(T + 99 * 15_000);
    const kept = rs.store.series().find((x) => x.labels.some(([k, v]) => k === 'route' && v === '/1'))!;
    // rate(...[1m]) reads 1 minute; the instant selector of the alert the lookback: req_total keeps 1 m.
    assert.ok(kept.n <= 5, `req_total keeps what rate(…[1m]) reads: ${kept.n} samples`);
    assert.equal(rs.counts().scraped, 1, 'series with nothing left in any rule’s reach are forgotten, and no longer count against the cap');
  },
);

test(
  'bad input: a daemon scraping less often than the rules were checked for is refused; a metric no program lists ' +
    'is said once, with a did-you-mean',
  async (t) => {
    const dir = tempDir(t);
    const file = join(dir, 'holdfast.yaml');
    writeFileSync(file, YAML.replace('scrape: {interval: 15s, maxSeries: 100}', 'scrape: {interval: 30s}'));
    await assert.rejects(loadSupervisorConfig(file), (err: ConfigError) => {
      const issue = err.issues.find((i) => i.path.join('.') === 'scrape.interval');
      assert.ok(issue, JSON.stringify(err.issues));
      assert.match(
        issue.message,
        /every 30s, but their windows were checked against alerts\.scrapeInterval 15s: set alerts\.scrapeInterval: 30s/,
      );
      return true;
    });
    writeFileSync(file, YAML.replace('incidents: {quietPeriod: 1h}\n', ''));
    const noLoop = await loadSupervisorConfig(file);
    assert.ok(
      noLoop.warnings.some((w) => /no incidents: section .* firing alerts are only logged/.test(w)),
      noLoop.warnings.join('\n'),
    );
    // The registry check waits for the services: a misspelt metric is said once every program answered.
    writeFileSync(file, YAML.replace('      signal: errors\n', '      signal: errors\n      metric: holdfast_http_request_total\n'));
    const misspelt = await loadSupervisorConfig(file);
    const warned: string[] = [];
    const log = { ...silentLogger, warn: (_o: object, msg: string) => void warned.push(msg) };
    const da = new DaemonAlerts({ config: misspelt.alerting!, scrapeIntervalMs: 15_000, maxSeries: 100, log });
    const types = parseExposition(
      new OrdersService().text(),
      () => false,
      () => {},
    ).types;
    da.checkMetrics(new Map([['orders', types]]), ['orders', 'billing']);
    assert.equal(da.missing, undefined, 'billing has not answered yet');
    da.checkMetrics(
      new Map([
        ['orders', types],
        ['billing', new Map()],
      ]),
      ['orders', 'billing'],
    );
    assert.deepEqual(warned, [
      "alerts.baselines[0].metric: no program's /metrics lists 'holdfast_http_request_total' (did you mean " +
        "'holdfast_http_requests_total'?): the rule reads nothing and never fires",
    ]);
    da.checkMetrics(
      new Map([
        ['orders', types],
        ['billing', new Map()],
      ]),
      ['orders', 'billing'],
    );
    assert.equal(warned.length, 1, 'said once');

    writeFileSync(file, YAML.replace('scrape: {interval: 15s, maxSeries: 100}\n', ''));
    assert.equal(
      (await loadSupervisorConfig(file)).alerting,
      undefined,
      'without scrape: the rules are for Prometheus (holdfast gen alerts), not the daemon',
    );
  },
);
