// The daemon's metrics store, loaded only when the config has a `scrape:` section (daemon.ts
// imports this file lazily): the compact store sized from the section, the scraper over the
// programs' instances, `holdfast explain` over both, and the probable cause of each open
// incident, refreshed while its figures develop.
import type { Incident } from '@holdfast/insight';
import {
  DEFAULT_IGNORED_ROUTES,
  formatRanking,
  probableCauseOf,
  rankCauses,
  RED_SAMPLE_NAMES,
  RingStore,
  type LogEvidence,
  type Ranking,
} from '@holdfast/insight/rootcause';
import type { InstanceStatus } from '../api/types.ts';
import type { ResolvedConfig } from '../config/load.ts';
import type { Logger } from '../logger.ts';
import type { Supervisor } from '../runner/supervisor.ts';
import { explainInput, unmappedDependencies } from './explain.ts';
import type { DaemonAlerts } from './daemon-alerts.ts';
import type { DaemonIncidents } from './incidents.ts';
import type { ScrapeConfig } from './scrape-config.ts';
import { Scraper, type TargetStatus } from './scraper.ts';
import { targetFor, type ScrapeTarget } from './targets.ts';

/** An incident's probable cause is recomputed this often while it is open and young. */
const REFRESH_MS = 15_000;
/** …for this long after it opened; later figures describe the aftermath more than the fault. */
const REFRESH_FOR_MS = 30 * 60_000;
/** The window of an incident's ranking starts this long before its first signal. */
const LEAD_MS = 60_000;
const MIN_WINDOW_MS = 2 * 60_000;

export interface ScrapeStatus {
  intervalMs: number;
  retentionMs: number;
  /** Scrapes kept per instance, and the series bound: together the store's memory bound. */
  slots: number;
  maxSeries: number;
  /** maxSeries × slots × 8 bytes, plus each series' bookkeeping (about 300 bytes). */
  boundBytes: number;
  series: number;
  bytes: number;
  /** Samples refused because maxSeries was reached. */
  dropped: number;
  rounds: number;
  targets: TargetStatus[];
  /** Instances the daemon cannot read, and why. */
  unreadable: { id: string; program: string; reason: string }[];
  /** Dependencies in the programs' metrics that map to no program. */
  unmappedDependencies: { program: string; dependency: string }[];
  /** The alerts:/slos: rules evaluated here, when the config has them. */
  alerts?: ReturnType<DaemonAlerts['status']>;
}

export interface ExplainResult {
  ranking: Ranking;
  text: string;
  /** Set when the store holds less than the window asked for. */
  note?: string;
}

/**
 * The lines a burst incident stands for: each of its signals says how many lines its window held
 * ("… 120 times in 10 s", signalFromPattern's summary); the largest window seen, or the number of
 * signals when none says.
 */
function burstLines(i: Incident): number {
  let most = 0;
  for (const r of [{ summary: i.summary }, ...i.recent]) {
    const m = / (\d+) times in \d+ s/.exec(r.summary);
    if (m) most = Math.max(most, Number(m[1]));
  }
  return most || i.count;
}

export class DaemonScrape {
  readonly config: ScrapeConfig;
  readonly store: RingStore;
  readonly scraper: Scraper;
  private readonly sup: Supervisor;
  private readonly log: Logger;
  private readonly incidents: DaemonIncidents | undefined;
  private readonly ignored: ReadonlySet<string>;
  private readonly timeoutMs: number;
  private unreadable: ScrapeStatus['unreadable'] = [];
  private readonly warned = new Set<string>();
  private readonly now: () => number;
  readonly alerts: DaemonAlerts | undefined;

  constructor(
    config: ScrapeConfig,
    sup: Supervisor,
    log: Logger,
    incidents?: DaemonIncidents,
    now: () => number = Date.now,
    alerts?: DaemonAlerts,
  ) {
    this.config = config;
    this.alerts = alerts;
    this.sup = sup;
    this.log = log;
    this.incidents = incidents;
    this.now = now;
    this.ignored = new Set(config.ignoreRoutes ?? DEFAULT_IGNORED_ROUTES);
    this.store = new RingStore({ slots: Math.ceil(config.retention / config.interval) + 1, maxSeries: config.maxSeries });
    this.timeoutMs = config.timeout ?? Math.min(config.interval, 10_000);
    this.scraper = new Scraper(this.store, {
      intervalMs: config.interval,
      timeoutMs: this.timeoutMs,
      want: (name) => RED_SAMPLE_NAMES.has(name),
      targets: () => this.targets(),
      now,
      onRound: () => {
        this.refreshIncidents();
        alerts?.checkMetrics(this.scraper.catalog, [...new Set(this.scraper.status().map((x) => x.program))]);
      },
      ...(alerts ? { sink: alerts.sink } : {}),
    });
  }

  static start(resolved: ResolvedConfig, sup: Supervisor, log: Logger, incidents?: DaemonIncidents, alerts?: DaemonAlerts): DaemonScrape {
    const d = new DaemonScrape(resolved.scrape!, sup, log, incidents, Date.now, alerts);
    d.scraper.start();
    alerts?.start();
    log.info(
      { intervalMs: d.config.interval, retentionMs: d.config.retention, maxSeries: d.config.maxSeries, boundBytes: d.boundBytes() },
      'scraping the programs\u2019 metrics into the daemon\u2019s store',
    );
    return d;
  }

  /** The instances to read now: those up (READY, or draining in a reload), each at its own address. */
  targets(): ScrapeTarget[] {
    const out: ScrapeTarget[] = [];
    const unreadable: ScrapeStatus['unreadable'] = [];
    for (const i of this.sup.status()) {
      if (i.state !== 'READY' && i.state !== 'STOPPING') continue;
      const program = this.sup.config.programs[i.program];
      if (!program) continue;
      // The address the instance announced when ready, once the supervisor records it.
      const announced = (i as InstanceStatus & { metricsUrl?: string | null }).metricsUrl ?? undefined;
      const t = targetFor(i.program, program, { id: i.key, index: i.index, ...(announced ? { announced } : {}) });
      if ('url' in t) out.push(t);
      else if (program.metrics !== false) {
        unreadable.push({ id: i.key, program: i.program, reason: t.none });
        // Said once per program: whether an instance announces where its metrics are is known only once it is READY.
        if (!this.warned.has(i.program) && i.state === 'READY') {
          this.warned.add(i.program);
          this.log.warn(
            { program: i.program, instance: i.key },
            `programs.${i.program}: its metrics cannot be read ` +
              `(${t.none}); set metrics: {url: ...} (with {instance} ` +
              `for several instances), give the service an admin port (it then says where), or metrics: false`,
          );
        }
      }
    }
    this.unreadable = unreadable;
    return out;
  }

  boundBytes(): number {
    return this.store.maxSeries * (this.store.slots * 8 + 300);
  }

  /** The ranking over the last `sinceMs` (at most half the retention: the baseline is the period before). */
  rank(sinceMs: number): { ranking: Ranking; windowMs: number } {
    const to = this.now();
    const windowMs = Math.min(sinceMs, Math.floor(this.config.retention / 2));
    const logs = this.incidents ? (p: string, f: number, t: number) => this.logEvidence(p, f, t) : undefined;
    const input = explainInput(
      {
        store: this.store,
        programs: this.sup.config.programs,
        instances: this.sup.status(),
        ignoredRoutes: this.ignored,
        ...(logs ? { logs } : {}),
      },
      to - windowMs,
      to,
    );
    return { ranking: rankCauses(input), windowMs };
  }

  /** `holdfast explain`: the ranking, in words too, with what the store could not cover and dependencies to declare. */
  explain(sinceMs: number): ExplainResult {
    const { ranking, windowMs } = this.rank(sinceMs);
    const min = (ms: number) => `${Math.round(ms / 60_000)} min`;
    const note =
      windowMs < sinceMs
        ? `the store ` +
          `holds ${min(this.config.retention)} (scrape.retention): explained the ` +
          `last ${min(windowMs)} ` +
          `against the ${min(windowMs)} before`
        : undefined;
    const fix = unmappedDependencies({ store: this.store, programs: this.sup.config.programs }).map(
      (u) =>
        `dependency ` +
        `'${u.dependency}' ` +
        `of ${u.program} maps to no program: declare it ` +
        `(programs.${u.program}.metrics.dependencies: {${u.dependency}: <program>})`,
    );
    return { ranking, text: [formatRanking(ranking), ...(note ? [`note: ${note}`] : []), ...fix].join('\n'), ...(note ? { note } : {}) };
  }

  /**
   * Error-line and log-template incidents of `program` seen in the window: what its logs said
   * meanwhile. The log miner's template.burst and template.new signals reach the incident loop
   * (DaemonIncidents.pattern) and are cited from there, so the evidence needs the incidents:
   * section: a daemon without one explains from the metrics alone.
   */
  private logEvidence(program: string, from: number, to: number): LogEvidence[] {
    if (!this.incidents) return [];
    const out: LogEvidence[] = [];
    for (const i of this.incidents.engine.list({ program, since: from, limit: 50 })) {
      if (!i.template || i.firstSeen > to) continue;
      const kind = i.kind === 'template.burst' ? 'burst' : i.kind === 'template.new' ? 'new' : i.kind === 'log.error' ? 'error' : undefined;
      if (kind)
        out.push({ id: i.template.id, text: i.template.text, count: kind === 'burst' ? burstLines(i) : i.count, kind, since: i.firstSeen });
    }
    return out.sort((a, b) => b.count - a.count).slice(0, 10);
  }

  /** Gives each open incident what the metrics say, while they still say something new. */
  refreshIncidents(): void {
    if (!this.incidents) return;
    const now = this.now();
    let live: Incident[];
    try {
      live = this.incidents.engine.list({ state: 'live', limit: 200, drill: false });
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'probable causes: cannot list the open incidents');
      return;
    }
    for (const inc of live) {
      if (now - inc.firstSeen > REFRESH_FOR_MS && inc.probableCause) continue;
      if (inc.probableCause && now - inc.probableCause.at < REFRESH_MS) continue;
      const since = Math.max(MIN_WINDOW_MS, now - inc.firstSeen + LEAD_MS);
      const { ranking } = this.rank(since);
      this.incidents.engine.setProbableCause(inc.id, probableCauseOf(ranking, now));
    }
  }

  status(): ScrapeStatus {
    return {
      intervalMs: this.config.interval,
      retentionMs: this.config.retention,
      slots: this.store.slots,
      maxSeries: this.store.maxSeries,
      boundBytes: this.boundBytes(),
      series: this.store.seriesCount,
      bytes: this.store.bytes(),
      dropped: this.store.dropped,
      rounds: this.scraper.rounds,
      targets: this.scraper.status(),
      unreadable: this.unreadable,
      unmappedDependencies: unmappedDependencies({ store: this.store, programs: this.sup.config.programs }),
      ...(this.alerts ? { alerts: this.alerts.status() } : {}),
    };
  }

  /** The store's own metrics, appended to the daemon's /metrics. */
  metrics(): string {
    const s = this.status();
    const fam = (name: string, type: string, help: string, rows: [string, number][]) =>
      `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${rows.map(([l, v]) => `${name}${l} ${v}`).join('\n')}`;
    const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
    return [
      fam('holdfast_scrape_series', 'gauge', 'Series held by the daemon\u2019s metrics store', [['', s.series]]),
      fam('holdfast_scrape_store_bytes', 'gauge', 'Bytes the metrics store holds (samples and series bookkeeping)', [['', s.bytes]]),
      fam('holdfast_scrape_dropped_samples_total', 'counter', 'Samples refused because scrape.maxSeries was reached', [['', s.dropped]]),
      fam(
        'holdfast_scrape_up',
        'gauge',
        '1 when the last read of an instance\u2019s metrics succeeded',
        s.targets.map((t) => [`{program="${esc(t.program)}",instance="${esc(t.id)}"}`, t.ok ? 1 : 0]),
      ),
    ]
      .concat(this.alerts ? [this.alerts.metrics()] : [])
      .join('\n\n');
  }

  async close(): Promise<void> {
    this.alerts?.stop();
    await this.scraper.stop();
  }
}
