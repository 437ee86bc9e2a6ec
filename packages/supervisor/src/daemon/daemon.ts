// `holdfast supervise`: the daemon in the foreground. Loads the config (a bad one starts
// nothing), takes the per-config lock, says plainly whether cgroups are in use, reaps what a
// previous run left, serves the control API, starts the programs. SIGTERM/SIGINT stop
// everything in order; SIGHUP re-reads the config like `holdfast update`.
import { mkdirSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { bearerAuth, createApiHandler } from '../api/handler.ts';
import { createMetrics } from '../api/metrics.ts';
import type { DaemonStatus, GuardStatus, InstanceStatus, UpdateResult } from '../api/types.ts';
import type { CgroupDetection } from '../cgroup/types.ts';
import type { ResolvedConfig } from '../config/load.ts';
import { loadConfigIsolated } from '../config/load-isolated.ts';
import { createDaemonLogger, type Logger } from '../logger.ts';
import type { DaemonIncidents } from '../insight/incidents.ts';
import type { serveIncidents } from '../insight/routes.ts';
import { incidentsOff, isIncidentsPath } from '../insight/paths.ts';
import type { DaemonScrape } from '../insight/daemon-scrape.ts';
import { isScrapePath, serveScrape } from '../insight/scrape-routes.ts';
import type { Dashboard } from '../dashboard/server.ts';
import type { GuardWatch } from '../guard-state/watch.ts';
import { isDashboardPath, serveDashboardControl } from '../dashboard/paths.ts';
import type { DaemonMining } from '../insight/mining.ts';
import { miningWanted, PATTERNS_PATH } from '../insight/mining-paths.ts';
import { Supervisor } from '../runner/supervisor.ts';
import { startDaemonGcPacer, type GcPacer } from './gc-pacer.ts';
import { acquireLock, type DaemonLock } from './lock.ts';
import { notifySystemd, type DaemonNotify } from './systemd.ts';
import { ensurePrivateDir } from './private-dir.ts';
import { recordFault } from '../util/faults.ts';
import { capLines } from '../util/cap-lines.ts';
import { closeServer, listenTcp, listenUnix } from './listen.ts';

export const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

export interface DaemonOptions {
  configFile: string;
  /** Refuse what supervisord only warns about (an [include] that matches no file), at start and at every update. */
  strict?: boolean;
  /** Default: pino at the config's logLevel, on stdout. */
  log?: Logger;
  /** Injected cgroup detection (tests). */
  cgroups?: CgroupDetection;
  /** Install SIGTERM/SIGINT/SIGHUP handlers (the CLI does; tests running in-process do not). */
  handleSignals?: boolean;
  /** Run the GC pacer when gc() is exposed (the daemon process does; tests running in-process do not). */
  paceGc?: boolean;
  /**
   * Survive an uncaught exception or unhandled rejection: log it, count it, carry on (the daemon
   * process does). Dying would take every program down, and the next daemon would reap them all.
   */
  lastResort?: boolean;
}

export class Daemon {
  readonly config: ResolvedConfig;
  readonly supervisor: Supervisor;
  readonly log: Logger;
  /** Resolves when the daemon has shut down. */
  readonly done: Promise<void>;
  private readonly servers: Server[] = [];
  private readonly lock: DaemonLock;
  private readonly startedAt = Date.now();
  private finish!: () => void;
  private stopping: Promise<void> | undefined;
  private updating: Promise<UpdateResult> | undefined;
  private metrics: Promise<Awaited<ReturnType<typeof createMetrics>>> | undefined;
  private readonly signalHandlers: [NodeJS.Signals, () => void][] = [];
  private readonly lastResortHandlers: ['uncaughtException' | 'unhandledRejection', (err: unknown) => void][] = [];
  private pacer: GcPacer | undefined;
  private systemd: DaemonNotify | undefined;
  /** The incident loop, loaded only when the config has an `incidents:` section. */
  private incidents: { loop: DaemonIncidents; serve: typeof serveIncidents } | undefined;
  /** The metrics store and `holdfast explain`, loaded only when the config has a `scrape:` section. */
  private scrape: DaemonScrape | undefined;
  /** The dashboard's listener, loaded only when the config has a `dashboard:` section. */
  private dashboard: Dashboard | undefined;
  /** The control API's handler without auth (the Unix socket's): the dashboard serves the page's actions through it. */
  private control: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  /** The log miner, loaded only when some program is mined (docs/log-mining.md). */
  private mining: DaemonMining | undefined;
  /** The reader of the programs' guard metrics (the dashboard's and `holdfast status`'s), loaded when one of them first needs it. */
  private guardWatch: Promise<GuardWatch> | undefined;

  private readonly strict: boolean;

  private constructor(config: ResolvedConfig, supervisor: Supervisor, log: Logger, lock: DaemonLock, strict: boolean) {
    this.strict = strict;
    this.config = config;
    this.supervisor = supervisor;
    this.log = log;
    this.lock = lock;
    this.done = new Promise((resolve) => (this.finish = resolve));
  }

  static async start(opts: DaemonOptions): Promise<Daemon> {
    const config = await loadConfigIsolated(opts.configFile, process.env, { strict: opts.strict === true });
    const log = opts.log ?? (await createDaemonLogger(config.supervisor.logLevel));
    const s = config.supervisor;
    ensurePrivateDir(s.stateDir, { own: true, setting: 'supervisor.stateDir', code: 'HOLDFAST_E_STATE_DIR' });
    mkdirSync(s.logDir, { recursive: true });
    const lock = await acquireLock(s.stateDir, { config: config.file, socket: s.socket });
    let daemon: Daemon | undefined;
    try {
      for (const w of capLines(config.warnings)) log.warn({ config: config.file }, w);
      const supervisor = new Supervisor(config, { log, ...(opts.cgroups ? { cgroups: opts.cgroups } : {}) });
      if (supervisor.cgroups)
        log.info({ cgroups: supervisor.cgroups.description }, `resource limits and stops use ${supervisor.cgroups.description}`);
      else {
        log.warn(
          { reason: supervisor.cgroupReason },
          `cgroups unavailable: ${supervisor.cgroupReason}. Falling back: memory limits are polled ` +
            (`every ${s.cgroups.pollMs} ms (cpu, pids and io limits are not enforced); stops find descendants by their ` +
              `HOLDFAST_PROCESS environment marker`),
        );
      }
      daemon = new Daemon(config, supervisor, log, lock, opts.strict === true);
      if (config.incidents) {
        const [{ DaemonIncidents }, { serveIncidents }] = await Promise.all([
          import('../insight/incidents.ts'),
          import('../insight/routes.ts'),
        ]);
        daemon.incidents = { loop: await DaemonIncidents.start(config, config.incidents, supervisor, log), serve: serveIncidents };
      }
      if (config.scrape) {
        const { DaemonScrape } = await import('../insight/daemon-scrape.ts');
        const loop = daemon.incidents?.loop;
        // The alerts:/slos: rules, evaluated over what the scraper reads; their own module, loaded only for them.
        const alerts = config.alerting
          ? new (await import('../insight/daemon-alerts.ts')).DaemonAlerts({
              config: config.alerting,
              scrapeIntervalMs: config.scrape.interval,
              maxSeries: config.scrape.maxSeries,
              log,
              ...(loop ? { ingest: (s) => void loop.ingest(s) } : {}),
            })
          : undefined;
        daemon.scrape = DaemonScrape.start(config, supervisor, log, loop, alerts);
      }
      if (miningWanted(config)) await daemon.startMining(config);
      await daemon.listen();
      if (config.dashboard) {
        const { Dashboard } = await import('../dashboard/server.ts');
        const inc = daemon.incidents?.loop;
        daemon.dashboard = await Dashboard.start({
          config,
          supervisor,
          daemonStatus: () => daemon!.status(),
          control: daemon.control!,
          guard: await daemon.guard(),
          ...(inc ? { incidents: inc } : {}),
          mining: () => daemon!.mining,
          log,
        });
      }
      await supervisor.start();
      if (opts.handleSignals) daemon.handleSignals();
      if (opts.lastResort) daemon.installLastResort();
      if (opts.paceGc) daemon.pacer = startDaemonGcPacer(log);
      log.info(
        { pid: process.pid, config: config.file, socket: s.socket, programs: Object.keys(config.programs).length, version: VERSION },
        'holdfast supervisor started',
      );
      if (opts.handleSignals) daemon.systemd = notifySystemd(supervisor, log);
      return daemon;
    } catch (err) {
      if (daemon) await daemon.shutdown();
      else await lock.release();
      throw err;
    }
  }

  private async startMining(config: ResolvedConfig): Promise<void> {
    const { DaemonMining } = await import('../insight/mining.ts');
    this.mining = new DaemonMining(config, this.supervisor, this.log, {
      onSignal: (program, instance, s, format) => {
        const loop = this.incidents?.loop;
        // Error lines of JSON and logfmt already reach the loop as log.error signals (log-signals.ts):
        // one incident per fault, not a second one for its template.
        if (loop && !(loop.config.logSignals && format !== 'plain' && s.level >= 50)) loop.pattern(program, instance, s);
      },
    });
  }

  private guard(): Promise<GuardWatch> {
    this.guardWatch ??= import('../guard-state/watch.ts').then(
      ({ GuardWatch }) =>
        new GuardWatch({
          config: () => this.config.dashboard?.guard ?? {},
          metrics: (program) => this.supervisor.config.programs[program]?.metrics,
        }),
    );
    return this.guardWatch;
  }

  /** The cluster and adaptive rules of the programs that serve guard metrics; nothing loads while none can. */
  private async guardStatus(rows: InstanceStatus[]): Promise<GuardStatus[]> {
    const configured = Object.values(this.supervisor.config.programs).some(
      (p) => typeof p.metrics === 'string' || !!(p.metrics && p.metrics.url),
    );
    if (
      !this.guardWatch &&
      !configured &&
      !rows.some((r) => r.metricsUrl !== null) &&
      Object.keys(this.config.dashboard?.guard ?? {}).length === 0
    )
      return [];
    return (await this.guard()).status(rows);
  }

  private async listen(): Promise<void> {
    const s = this.config.supervisor;
    const ctx = {
      supervisor: this.supervisor,
      daemonStatus: () => this.status(),
      guardStatus: (rows: InstanceStatus[]) => this.guardStatus(rows),
      update: () => this.update(),
      shutdown: () => void this.shutdown(),
      metrics: async () => {
        this.metrics ??= createMetrics({ snapshot: () => this.supervisor.status() });
        const m = await this.metrics;
        const body = await m.render();
        const more = [this.incidents?.loop.metrics(), this.scrape?.metrics(), this.mining?.metrics()].filter((x) => x !== undefined);
        return { contentType: m.contentType, body: more.length ? `${body}\n${more.join('\n\n')}\n` : body };
      },
      extra: (req: IncomingMessage, res: ServerResponse, url: URL) => {
        if (url.pathname === PATTERNS_PATH) {
          const programs = this.supervisor.config.programs;
          import('../insight/mining-routes.ts')
            .then((r) => r.servePatterns(this.mining, programs, req, res, url))
            .catch((err: Error) => res.writeHead(500).end(JSON.stringify({ error: { code: 'HOLDFAST_E_API', message: err.message } })));
          return true;
        }
        if (isScrapePath(url.pathname)) {
          serveScrape(this.scrape, req, res, url);
          return true;
        }
        if (isDashboardPath(url.pathname)) {
          serveDashboardControl(this.dashboard, req, res);
          return true;
        }
        if (!isIncidentsPath(url.pathname)) return false;
        if (this.incidents) this.incidents.serve(this.incidents.loop, req, res, url);
        else incidentsOff(res);
        return true;
      },
    };
    this.control = createApiHandler(ctx);
    this.servers.push(await listenUnix(s.socket, this.control));
    if (s.http) this.servers.push(await listenTcp(s.http.host, s.http.port, createApiHandler(ctx, await bearerAuth(s.token!))));
    if (s.metrics) {
      const metricsOnly = createApiHandler({ ...ctx, update: () => Promise.reject(new Error('read-only')), shutdown: () => {} });
      this.servers.push(
        await listenTcp(s.metrics.host, s.metrics.port, (req, res) => {
          if (req.method === 'GET' && (req.url === '/metrics' || req.url === '/healthz')) return metricsOnly(req, res);
          res.writeHead(404, { 'content-type': 'text/plain' }).end('only /metrics is served here\n');
        }),
      );
    }
  }

  private installLastResort(): void {
    const on = (event: 'uncaughtException' | 'unhandledRejection', fn: (err: unknown) => void) => {
      process.on(event, fn);
      this.lastResortHandlers.push([event, fn]);
    };
    on('uncaughtException', (err) => recordFault(this.log, 'uncaught', 'an uncaught exception', err));
    on('unhandledRejection', (err) => recordFault(this.log, 'unhandled-rejection', 'an unhandled promise rejection', err));
  }

  private handleSignals(): void {
    const on = (sig: NodeJS.Signals, fn: () => void) => {
      process.on(sig, fn);
      this.signalHandlers.push([sig, fn]);
    };
    const stop = () => void this.shutdown();
    on('SIGTERM', stop);
    on('SIGINT', stop);
    on('SIGHUP', () => {
      this.update().catch((err: Error) => this.log.error({ err: err.message }, 'SIGHUP: the config was rejected; nothing changed'));
    });
  }

  status(): DaemonStatus {
    const sup = this.supervisor;
    return {
      pid: process.pid,
      version: VERSION,
      config: this.config.file,
      id: this.config.id,
      startedAt: new Date(this.startedAt).toISOString(),
      uptimeMs: Date.now() - this.startedAt,
      socket: this.config.supervisor.socket,
      rssBytes: process.memoryUsage.rss(),
      heapUsedBytes: process.memoryUsage().heapUsed,
      gc: this.pacer
        ? {
            runs: this.pacer.stats.runs,
            lastMs: Math.round(this.pacer.stats.lastMs * 10) / 10,
            totalMs: Math.round(this.pacer.stats.totalMs * 10) / 10,
          }
        : null,
      cgroups: {
        enabled: sup.cgroups !== undefined,
        version: sup.cgroups?.version ?? null,
        description: sup.cgroups?.description ?? null,
        reason: sup.cgroupReason ?? null,
      },
      warnings: sup.config.warnings,
      sockets: Object.fromEntries(
        Object.keys(sup.config.programs).flatMap((p) => (sup.sockets.has(p) ? [[p, sup.sockets.addresses(p)]] : [])),
      ),
      ...(this.incidents ? { incidents: this.incidents.loop.status() } : {}),
      ...(this.scrape ? { scrape: this.scrape.status() } : {}),
      ...(this.dashboard ? { dashboard: this.dashboard.status() } : {}),
      ...(this.mining ? { mining: this.mining.status() } : {}),
    };
  }

  /** Re-reads the config file; a config that does not validate is rejected whole, nothing changes. */
  update(): Promise<UpdateResult> {
    // One update at a time: a second request waits for the first and then reads the file again.
    const run = async () => {
      const next = await loadConfigIsolated(this.config.file, process.env, { strict: this.strict });
      const result = await this.supervisor.update(next);
      if (this.mining) this.mining.sync(next);
      else if (miningWanted(next)) await this.startMining(next);
      this.log.info(
        {
          added: result.added,
          removed: result.removed,
          restarted: result.restarted,
          scaled: result.scaled,
          reconfigured: result.reconfigured,
        },
        'configuration updated',
      );
      for (const w of capLines(result.warnings)) this.log.warn({}, w);
      if (JSON.stringify(next.scrape) !== JSON.stringify(this.config.scrape))
        this.log.warn({}, 'scrape: the changed settings take effect when the daemon restarts (programs\u2019 metrics: fields apply now)');
      if (JSON.stringify(next.dashboard) !== JSON.stringify(this.config.dashboard))
        this.log.warn({}, 'dashboard: the changed settings take effect when the daemon restarts');
      if (JSON.stringify(next.alerting) !== JSON.stringify(this.config.alerting))
        this.log.warn(
          {},
          'alerts/slos: the changed rules take effect when the daemon restarts (the alerts in flight keep their state until then)',
        );
      if (JSON.stringify(next.incidents) !== JSON.stringify(this.config.incidents))
        this.log.warn(
          {},
          'incidents: the changed settings take effect when the daemon restarts (the knowledge base reloads with POST ' +
            '/v1/incidents/knowledge/reload)',
        );
      return result;
    };
    const p = (this.updating ?? Promise.resolve()).catch(() => undefined).then(run);
    this.updating = p;
    return p;
  }

  shutdown(): Promise<void> {
    this.stopping ??= (async () => {
      this.log.info({}, 'shutting down: stopping every program');
      this.systemd?.stopping();
      this.pacer?.stop();
      try {
        await this.supervisor.shutdown();
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'error while stopping programs');
      }
      await this.scrape?.close();
      await this.dashboard?.close();
      this.mining?.close();
      this.incidents?.loop.close();
      for (const s of this.servers) await closeServer(s);
      await this.lock.release();
      for (const [sig, fn] of this.signalHandlers) process.off(sig, fn);
      for (const [event, fn] of this.lastResortHandlers) process.off(event, fn);
      this.log.info({}, 'holdfast supervisor stopped');
      this.finish();
    })();
    return this.stopping;
  }
}
