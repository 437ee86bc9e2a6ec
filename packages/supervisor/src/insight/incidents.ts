// The incident loop inside the daemon, loaded only when the config has an `incidents:` section
// (daemon.ts imports this file lazily): the engine and its SQLite store in the state directory,
// the knowledge base (read by a child process), the supervisor's events and the programs' error
// lines as signals, knowledge-base actions carried out through the supervisor.
import { dirname, isAbsolute, join, resolve } from 'node:path';
import {
  IncidentEngine,
  learnedEntry,
  patternIsIncident,
  signalFromPattern,
  SqliteIncidentStore,
  type Incident,
  type IncidentsConfig,
  type KnowledgeBase,
  type LearnOptions,
  type Signal,
  type StoreHealth,
} from '@holdfast/insight/incidents';
import type { PatternSignal } from '@holdfast/insight';
import type { SupervisorEvent } from '../api/types.ts';
import type { ResolvedConfig } from '../config/load.ts';
import { SupervisorError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { RotatingLog } from '../logs/rotating-log.ts';
import type { InstanceRunner } from '../runner/instance-runner.ts';
import type { Supervisor } from '../runner/supervisor.ts';
import { KnowledgeError, learnIsolated, loadKnowledgeIsolated } from './knowledge-isolated.ts';
import { LogSignalTap } from './log-signals.ts';
import { ProgramSignals } from './program-signals.ts';

const clock = {
  now: () => Date.now(),
  setTimeout(fn: () => void, ms: number) {
    const h = setTimeout(fn, ms);
    h.unref();
    return { cancel: () => clearTimeout(h) };
  },
};

export interface IncidentsStatus {
  store: StoreHealth;
  knowledge: { file: string | null; entries: number; error: string | null };
  signals: number;
  open: number;
  acknowledged: number;
  notifications: { pending: number; sent: number; failed: number; held: number; retries: number };
}

export class DaemonIncidents {
  readonly engine: IncidentEngine;
  readonly config: IncidentsConfig;
  readonly knowledgeFile: string | undefined;
  private readonly sup: Supervisor;
  private readonly log: Logger;
  private readonly programs: ProgramSignals;
  private readonly tapped = new WeakSet<RotatingLog>();
  /** After close, a tap's held signal (system protection armed) that comes due goes nowhere. */
  private closed = false;
  private knowledgeError: string | null = null;
  private readonly onEvent = (e: SupervisorEvent) => this.event(e);
  private readonly onChange = (r: InstanceRunner) => {
    for (const s of this.programs.change(r, clock.now())) this.engine.ingest(s);
  };

  private constructor(
    config: IncidentsConfig,
    knowledgeFile: string | undefined,
    kb: KnowledgeBase,
    storeFile: string,
    sup: Supervisor,
    log: Logger,
  ) {
    this.config = config;
    this.knowledgeFile = knowledgeFile;
    this.sup = sup;
    this.log = log;
    this.programs = new ProgramSignals(config.crashLoop);
    this.engine = new IncidentEngine({
      config,
      knowledge: kb,
      openStore: () => new SqliteIncidentStore({ file: storeFile }),
      storeLocation: storeFile,
      clock,
      act: (inc, action) => this.act(inc, action),
    });
    const h = this.engine.health();
    if (!h.ok)
      log.error(
        { store: h.location, err: h.error },
        `the incident store cannot be opened (${h.error}); incidents are kept in memory and written once it opens`,
      );
    sup.on('event', this.onEvent);
    sup.on('change', this.onChange);
    if (config.logSignals) for (const r of sup.runners()) this.tap(r.spec.id);
  }

  /** Starts the loop; a knowledge base that does not validate stops the daemon's start, as a bad config does. */
  static async start(resolved: ResolvedConfig, config: IncidentsConfig, sup: Supervisor, log: Logger): Promise<DaemonIncidents> {
    const base = dirname(resolved.file);
    const at = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
    const knowledgeFile = config.knowledge ? at(config.knowledge) : undefined;
    let kb: KnowledgeBase = { entries: [] };
    if (knowledgeFile) {
      try {
        kb = await loadKnowledgeIsolated(knowledgeFile);
      } catch (err) {
        const e = err as KnowledgeError;
        throw new SupervisorError('HOLDFAST_E_CONFIG', `incidents.knowledge: ${e.message}`, { issues: e.issues });
      }
    }
    const storeFile = config.store ? at(config.store) : join(resolved.supervisor.stateDir, 'incidents.sqlite');
    return new DaemonIncidents(config, knowledgeFile, kb, storeFile, sup, log);
  }

  ingest(s: Signal) {
    return this.engine.ingest(s);
  }

  /**
   * A signal of the log miner (its per-program ProgramMiner's onSignal): the daemon's miner wiring calls
   * this. Only new error templates and bursts of warnings or errors become incidents
   * (patternIsIncident).
   */
  pattern(program: string, instance: string | undefined, s: PatternSignal) {
    return patternIsIncident(s) ? this.engine.ingest(signalFromPattern(s, program, instance)) : undefined;
  }

  private event(e: SupervisorEvent): void {
    if (e.type === 'state' && this.config.logSignals && (e.to === 'STARTING' || e.to === 'READY')) this.tap(e.instance);
    if (e.type === 'oom') this.engine.ingest(this.programs.oom(e.instance, e.program, e.kills, clock.now()));
  }

  /** Error lines and guard events in an instance's output become signals (once per log writer). */
  private tap(instance: string): void {
    const found = this.sup.findInstance(instance);
    if (!found) return;
    const program = found.runner.spec.program;
    for (const log of new Set([found.logs.stdout, found.logs.stderr])) {
      if (!log || this.tapped.has(log)) continue;
      this.tapped.add(log);
      const t = new LogSignalTap(
        program,
        instance,
        (s) => {
          if (!this.closed) this.engine.ingest(s);
        },
        clock,
      );
      log.subscribe((chunk) => t.write(chunk));
    }
  }

  private act(inc: Incident, action: string): void {
    const m = /^restart (.+)$/.exec(action);
    if (!m) return;
    const program = m[1]!;
    this.log.warn({ incident: inc.id, program, rule: inc.rule }, `incident ${inc.id}: the knowledge base says restart ${program}`);
    this.sup
      .restartTargets([program], { wait: false })
      .catch((err: Error) =>
        this.log.error({ incident: inc.id, program, err: err.message }, `incident ${inc.id}: restarting ${program} failed`),
      );
  }

  /** Re-reads knowledge.yaml; a file that does not validate is refused and the current one stays. */
  async reloadKnowledge(): Promise<KnowledgeBase> {
    if (!this.knowledgeFile) throw new KnowledgeError('HOLDFAST_E_KNOWLEDGE', 'no knowledge base is configured (incidents.knowledge)');
    try {
      const kb = await loadKnowledgeIsolated(this.knowledgeFile);
      this.engine.setKnowledge(kb);
      this.knowledgeError = null;
      return kb;
    } catch (err) {
      this.knowledgeError = (err as Error).message;
      const e = err as KnowledgeError;
      throw new KnowledgeError(
        e.code,
        `${e.message.split('\n')[0]} (the knowledge base in use stays as it ` +
          `was)${e.message.includes('\n') ? `\n${e.message.split('\n').slice(1).join('\n')}` : ''}`,
        e.issues,
      );
    }
  }

  /** `resolve --learn`: the incident becomes a knowledge-base entry, written back to the file and used from now on. */
  /** `written` runs once the file took the entry, before the incident is classified by it (resolve counts against the old rule). */
  async learn(
    id: number,
    o: Omit<LearnOptions, 'now'>,
    written?: () => void,
  ): Promise<{ entry: ReturnType<typeof learnedEntry>; file: string }> {
    if (!this.knowledgeFile)
      throw new KnowledgeError('HOLDFAST_E_KNOWLEDGE', 'no knowledge base to learn into: set incidents.knowledge in the config');
    const inc = this.engine.get(id);
    if (!inc) throw new KnowledgeError('HOLDFAST_E_UNKNOWN_INCIDENT', `no such incident: ${id}`);
    const entry = learnedEntry(inc, { ...o, now: clock.now() });
    const kb = await learnIsolated(
      this.knowledgeFile,
      entry,
      `learned from incident ${id} on ${new Date().toISOString().slice(0, 10)}: ${o.cause.replace(/\s+/g, ' ').slice(0, 120)}`,
    );
    this.engine.setKnowledge(kb);
    written?.();
    this.engine.reclassify(id, {
      rule: `kb:${entry.id}`,
      category: entry.category,
      ...(entry.owner ? { owner: entry.owner } : {}),
      ...(entry.runbook ? { runbook: entry.runbook } : {}),
    });
    this.log.info(
      { incident: id, entry: entry.id, file: this.knowledgeFile },
      `incident ${id} learned into ${this.knowledgeFile} as '${entry.id}'`,
    );
    return { entry, file: this.knowledgeFile };
  }

  status(): IncidentsStatus {
    const s = this.engine.stats();
    return {
      store: this.engine.health(),
      knowledge: { file: this.knowledgeFile ?? null, entries: this.engine.knowledge.entries.length, error: this.knowledgeError },
      signals: s.signals,
      open: s.open,
      acknowledged: s.acknowledged,
      notifications: s.notifications,
    };
  }

  /** The loop's metrics in the exposition format, appended to the daemon's /metrics. */
  metrics(): string {
    const s = this.engine.stats();
    const h = this.engine.health();
    const fam = (name: string, type: string, help: string, rows: [string, number][]) =>
      `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${rows.map(([l, v]) => `${name}${l} ${v}`).join('\n')}`;
    return [
      fam('holdfast_incidents', 'gauge', 'Incidents open or acknowledged now', [
        ['{state="open"}', s.open],
        ['{state="acknowledged"}', s.acknowledged],
      ]),
      fam('holdfast_incident_signals_total', 'counter', 'Signals received by the incident loop', [['', s.signals]]),
      fam('holdfast_incidents_opened_total', 'counter', 'Incidents opened or reopened', [['', s.opened + s.reopened]]),
      fam('holdfast_incident_signals_deduplicated_total', 'counter', 'Signals counted into an incident already open', [
        ['', s.deduplicated],
      ]),
      fam('holdfast_incident_signals_duplicate_total', 'counter', 'Signals sent again under an id already counted (retries), not counted', [
        ['', s.duplicates],
      ]),
      fam('holdfast_incident_notifications_total', 'counter', 'Notifications by outcome (held: silenced, grouped or unrouted)', [
        ['{status="sent"}', s.notifications.sent],
        ['{status="failed"}', s.notifications.failed],
        ['{status="held"}', s.notifications.held],
      ]),
      fam('holdfast_incident_notifications_pending', 'gauge', 'Notifications waiting for delivery or a retry', [
        ['', s.notifications.pending],
      ]),
      fam('holdfast_incident_store_up', 'gauge', '1 while the incident store accepts writes', [['', h.ok ? 1 : 0]]),
      fam('holdfast_incident_store_errors_total', 'counter', 'Failed writes (and opens) of the incident store, e.g. a full disk', [
        ['', h.errors],
      ]),
    ].join('\n\n');
  }

  close(): void {
    this.sup.off('event', this.onEvent);
    this.sup.off('change', this.onChange);
    this.closed = true;
    const h = this.engine.close();
    if (!h.ok)
      this.log.error({ store: h.location, err: h.error, pending: h.pending }, 'the incident store could not take the last changes');
  }
}
