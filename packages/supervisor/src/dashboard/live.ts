// What the page shows, kept current in the daemon: one tick a second samples every instance's
// CPU and memory and every guarded program's request rates into the history, reads the failover
// agent, notices incident changes, and sends the open pages one `tick` message; supervisor
// events (a crash, a restart, a reload step) go out the moment they happen, with the instance's
// fresh row, so the page is never more than a tick behind and usually a few milliseconds.
import type { alertReport, Incident } from '@holdfast/insight/incidents';
import type { DaemonStatus, InstanceStatus, SupervisorEvent } from '../api/types.ts';
import type { ResolvedConfig } from '../config/load.ts';
import type { DaemonIncidents } from '../insight/incidents.ts';
import type { ProgramPatterns } from '../insight/mining-view.ts';
import type { Logger } from '../logger.ts';
import type { Supervisor } from '../runner/supervisor.ts';
import { FailoverWatch } from './failover.ts';
import type { GuardProgramView } from '../guard-state/scraper.ts';
import type { GuardWatch } from '../guard-state/watch.ts';
import { History } from './history.ts';
import { Hub } from './hub.ts';
import { incidentView, type IncidentView } from './incident-view.ts';

type RuleReport = ReturnType<typeof alertReport>[number];

/** How often open pages get the incidents re-read when no signal came (probable causes change quietly). */
const INCIDENT_LOOK_MS = 3000;

/** A program row as the page needs it (the status without log file details). */
export type ProgramRow = Omit<InstanceStatus, 'logs' | 'notifyStatus' | 'failedStarts' | 'startedAt' | 'readyAt' | 'cpuSeconds'>;

export interface ReloadProgress {
  program: string;
  phase: string;
  /** Instances replaced so far, and how many there are to replace. */
  replaced: number;
  total: number;
  instance: string | null;
  detail: string | null;
  startedAt: string;
  at: string;
  done: boolean;
  ok: boolean | null;
}

export interface PatternsView {
  available: boolean;
  reason: string | null;
  /** Templates listed per program at most. */
  top: number;
  programs: ProgramPatterns[];
}

/** The daemon's log miner as the page reads it (insight/mining.ts). */
export interface PatternSource {
  overview(top: number): ProgramPatterns[];
}

/** Templates per program on the page: the section stays a glance, whatever a program writes. */
export const PATTERNS_TOP = 10;
/** Rates move with every line; with pages open they are re-read this often (signals go out at the next tick). */
const PATTERNS_LOOK_MS = 5000;

export interface LiveSources {
  supervisor: Supervisor;
  config: ResolvedConfig;
  daemonStatus(): DaemonStatus;
  incidents?: DaemonIncidents;
  /** The daemon's reader of its programs' guard metrics, shared with `holdfast status`. */
  guard: GuardWatch;
  /** The log miner, when the daemon runs one (it may start later, with a config update). */
  mining?: () => PatternSource | undefined;
  log: Logger;
}

const SPARK_SECONDS = 300;

export function row(s: InstanceStatus): ProgramRow {
  const { logs: _l, notifyStatus: _n, failedStarts: _f, startedAt: _s, readyAt: _r, cpuSeconds: _c, ...rest } = s;
  return rest;
}

export class Live {
  readonly history = new History();
  readonly hub = new Hub();
  private readonly src: LiveSources;
  private readonly failover: FailoverWatch | undefined;
  private timer: NodeJS.Timeout | undefined;
  private rows: ProgramRow[] = [];
  private guardViews: GuardProgramView[] = [];
  private readonly reloads = new Map<string, ReloadProgress>();
  private incidents: IncidentView[] = [];
  private incidentSig = '';
  private incidentsAt = 0;
  private incidentsJson = '';
  private alerts: RuleReport[] = [];
  private alertsAt = 0;
  private patternsJson = '';
  private patternsAt = 0;
  /** A template.new or template.burst event came: the section is re-read at the next tick. */
  private patternsDue = false;
  private scraping = false;
  /** CPU time this tick loop took, for the footprint the page and the bench show. */
  readonly cost = { ticks: 0, cpuMicros: 0, lastMs: 0 };
  private readonly onEvent = (e: SupervisorEvent) => this.event(e);

  constructor(src: LiveSources) {
    this.src = src;
    const d = src.config.dashboard!;
    this.failover = d.failover ? new FailoverWatch(d.failover) : undefined;
  }

  start(): void {
    this.src.supervisor.on('event', this.onEvent);
    this.tick();
    // Ticks on the second boundary, so every series' sample is the same second.
    const align = () => {
      this.timer = setTimeout(
        () => {
          this.tick();
          align();
        },
        1000 - (Date.now() % 1000) + 5,
      );
      this.timer.unref();
    };
    align();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.src.supervisor.off('event', this.onEvent);
    this.hub.close();
  }

  private tick(): void {
    const t0 = process.cpuUsage();
    const now = Date.now();
    const h = this.history;
    h.tick(now);
    this.rows = this.src.supervisor.status().map(row);
    for (const r of this.rows) {
      if (r.role === 'old') continue;
      if (r.cpuPercent !== null) h.record(`cpu|${r.id}`, r.cpuPercent);
      if (r.memoryBytes !== null) h.record(`mem|${r.id}`, r.memoryBytes);
    }
    for (const v of this.guardViews)
      for (const r of v.resources)
        for (const k of ['pass', 'block', 'error'] as const) h.record(`guard|${v.program}|${r.resource}|${k}`, r[k]);
    this.checkIncidents(now);
    this.checkPatterns(now);
    if (!this.scraping) void this.scrape();
    if (this.hub.size > 0) this.hub.broadcast(Hub.message('tick', this.tickData(now)));
    const used = process.cpuUsage(t0);
    this.cost.ticks++;
    this.cost.lastMs = (used.user + used.system) / 1000;
    this.cost.cpuMicros += used.user + used.system;
  }

  /** The guard scrapes and the failover read run between ticks; what they bring goes out with the next one. */
  private async scrape(): Promise<void> {
    this.scraping = true;
    try {
      await Promise.all([
        this.src.guard.refresh(this.rows),
        this.failover && (this.hub.size > 0 || this.failover.current.at < Date.now() - 10_000) ? this.failover.poll() : undefined,
      ]);
      this.guardViews = this.src.guard.views();
    } catch (err) {
      this.src.log.warn({ err: (err as Error).message }, 'dashboard: reading the guard state failed');
    } finally {
      this.scraping = false;
    }
  }

  private checkIncidents(now: number): void {
    const inc = this.src.incidents;
    if (!inc) return;
    const s = inc.engine.stats();
    const sig = `${s.signals}/${s.open}/${s.acknowledged}/${s.opened}/${s.reopened}`;
    // A probable cause arrives without a new signal (the root-cause ranking runs on the scrape's
    // clock): with pages open, look every few seconds and send only what changed.
    const due = this.hub.size > 0 && now - this.incidentsAt >= INCIDENT_LOOK_MS;
    if (sig !== this.incidentSig || due) {
      this.incidentSig = sig;
      this.incidentsAt = now;
      const before = this.incidentsJson;
      this.refreshIncidents();
      this.incidentsJson = JSON.stringify(this.incidents);
      if (this.hub.size > 0 && this.incidentsJson !== before) this.hub.broadcast(Hub.message('incidents', { incidents: this.incidents }));
    }
    // The alert ledger changes slowly: read it at most every 30 s, and only for open pages.
    if (this.hub.size > 0 && now - this.alertsAt > 30_000) this.refreshAlerts(now);
  }

  /** After an action from the page: what changed goes out at once, not at the next tick. */
  incidentsChanged(): void {
    this.incidentSig = '';
    this.checkIncidents(Date.now());
    this.refreshAlerts(Date.now());
  }

  private refreshIncidents(): void {
    const e = this.src.incidents!.engine;
    const live = e.list({ state: 'live', limit: 100, drill: false });
    const resolved = e.list({ state: 'resolved', limit: 20, drill: false, since: Date.now() - 86_400_000 });
    this.incidents = [...live, ...resolved].map((i: Incident) => incidentView(i, this.src.config));
  }

  private refreshAlerts(now: number): void {
    const e = this.src.incidents?.engine;
    if (!e) return;
    this.alertsAt = now;
    e.flush();
    const rows = e.store?.ruleHistory(now - 7 * 86_400_000) ?? [];
    this.alerts = alertReportOf(rows);
    if (this.hub.size > 0) this.hub.broadcast(Hub.message('alerts', { rules: this.alerts }));
  }

  /** With pages open: the patterns section when a signal came or every few seconds, sent only when it changed. */
  private checkPatterns(now: number): void {
    if (this.hub.size === 0 || (!this.patternsDue && now - this.patternsAt < PATTERNS_LOOK_MS)) return;
    this.patternsDue = false;
    this.patternsAt = now;
    const view = this.patterns();
    const json = JSON.stringify(view);
    if (json === this.patternsJson) return;
    this.patternsJson = json;
    this.hub.broadcast(Hub.message('patterns', view));
  }

  private event(e: SupervisorEvent): void {
    if (e.type === 'reload') this.reloadStep(e);
    if (e.type === 'template.new' || e.type === 'template.burst') this.patternsDue = true;
    if (this.hub.size === 0) return;
    let fresh: ProgramRow | null = null;
    if (e.type === 'state') {
      const r = this.src.supervisor.runners().find((x) => x.spec.key === e.key);
      if (r) fresh = row(this.src.supervisor.statusOf(r));
    }
    const reload = e.type === 'reload' ? this.reloads.get(e.program) : undefined;
    this.hub.broadcast(Hub.message('event', { event: e, row: fresh, ...(reload ? { reload } : {}) }));
  }

  private reloadStep(e: Extract<SupervisorEvent, { type: 'reload' }>): void {
    const total = this.src.supervisor.config.programs[e.program]?.instances ?? 1;
    const prev = this.reloads.get(e.program);
    const p: ReloadProgress =
      e.phase === 'start' || !prev
        ? {
            program: e.program,
            phase: e.phase,
            replaced: 0,
            total,
            instance: null,
            detail: null,
            startedAt: e.at,
            at: e.at,
            done: false,
            ok: null,
          }
        : { ...prev, phase: e.phase, at: e.at };
    if (e.phase === 'instance-retired') p.replaced = Math.min(total, p.replaced + 1);
    if (e.instance) p.instance = e.instance;
    if (e.detail) p.detail = e.detail;
    if (e.phase === 'done' || e.phase === 'failed') {
      p.done = true;
      p.ok = e.phase === 'done';
      if (p.ok) p.replaced = total;
    }
    this.reloads.set(e.program, p);
  }

  private tickData(now: number) {
    const values: Record<string, number | null> = {};
    for (const id of this.history.ids()) values[id] = this.history.latest(id);
    return {
      now,
      programs: this.rows,
      guard: this.guardViews,
      failover: this.failover?.current ?? null,
      values,
      daemon: this.daemonLine(),
    };
  }

  private daemonLine() {
    const d = this.src.daemonStatus();
    // The alerts:/slos: rules the daemon evaluates itself (docs/alerts.md): what fires right now.
    const a = d.scrape?.alerts;
    const alerting = a
      ? {
          rules: a.rules.alerting,
          firing: a.firing,
          pending: a.pending,
          evaluations: a.evaluations,
          lastEvaluationAt: a.lastEvaluationAt,
          lastError: a.lastError,
        }
      : null;
    return {
      pid: d.pid,
      version: d.version,
      config: d.config,
      uptimeMs: d.uptimeMs,
      rssBytes: d.rssBytes,
      cgroups: d.cgroups.enabled,
      pages: this.hub.size,
      historyBytes: this.history.bytes,
      series: this.history.size,
      alerting,
    };
  }

  /** Everything the page needs to draw itself, with the last five minutes of every series. */
  snapshot() {
    const now = Date.now();
    const series: Record<string, { start: number; step: number; values: (number | null)[] }> = {};
    for (const id of this.history.ids()) series[id] = this.history.seconds(id, SPARK_SECONDS)!;
    if (this.src.incidents && this.alertsAt === 0) this.refreshAlerts(now);
    const cfg = this.src.supervisor.config;
    return {
      ...this.tickData(now),
      series,
      config: {
        file: cfg.file,
        programs: Object.fromEntries(
          Object.entries(cfg.programs).map(([n, p]) => [
            n,
            {
              instances: p.instances,
              reloadable: true,
              listen: (p.listen ?? []).map((l) => `${l.host}:${l.port}`),
              group: Object.entries(cfg.groups).find(([, g]) => g.programs.includes(n))?.[0] ?? null,
            },
          ]),
        ),
        guard: Object.fromEntries(Object.entries(this.src.config.dashboard!.guard).map(([n, g]) => [n, { rules: g.rules ?? null }])),
        failover: this.failover !== undefined,
        incidents: this.src.incidents !== undefined,
      },
      reloads: [...this.reloads.values()],
      incidents: this.incidents,
      alerts: this.alerts,
      patterns: this.patterns(),
    };
  }

  patterns(): PatternsView {
    const mining = this.src.mining?.();
    if (!mining)
      return {
        available: false,
        reason: 'no program is mined (the mining: section has enabled: false and no program says mining: true)',
        top: PATTERNS_TOP,
        programs: [],
      };
    return { available: true, reason: null, top: PATTERNS_TOP, programs: mining.overview(PATTERNS_TOP) };
  }
}

// alertReport lives in insight's entry, which the daemon loads only with the incident loop; the
// loop is on whenever this is called.
let alertReportOf: (rows: Parameters<typeof alertReport>[0]) => RuleReport[] = () => [];
export async function loadInsight(): Promise<void> {
  alertReportOf = (await import('@holdfast/insight/incidents')).alertReport;
}
