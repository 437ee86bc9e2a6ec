// The dashboard's HTTP listener, loaded by the daemon only when its config has a `dashboard:`
// section. Every request needs a session (auth.ts) except the login link itself; requests that
// change something need the CSRF token too. The page's actions are the control API's own routes
// (start, stop, restart, reload, incidents), served by the same handler the Unix socket uses, so
// they validate and fail exactly as `holdfast …` does; the rest (state, stream, history, rules,
// log tail) is the dashboard's.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { DaemonStatus, DashboardStatus } from '../api/types.ts';
import type { ResolvedConfig } from '../config/load.ts';
import type { GuardWatch } from '../guard-state/watch.ts';
import type { DaemonIncidents } from '../insight/incidents.ts';
import type { DaemonMining } from '../insight/mining.ts';
import type { Logger } from '../logger.ts';
import type { Supervisor } from '../runner/supervisor.ts';
import { closeServer, listenTcp } from '../daemon/listen.ts';
import { DashboardAuth, type Session } from './auth.ts';
import { Hub } from './hub.ts';
import { Live, loadInsight } from './live.ts';
import { logLines, openLogStream, type TemplateLookup } from './log-tail.ts';
import { editRulesIsolated, readRulesIsolated, RulesEditError, type RuleEdit } from './rules-isolated.ts';
import { Assets, SECURITY_HEADERS } from './static.ts';

export interface DashboardOptions {
  config: ResolvedConfig;
  supervisor: Supervisor;
  daemonStatus(): DaemonStatus;
  /** The control API's handler (no auth of its own: this listener checked the session). */
  control(req: IncomingMessage, res: ServerResponse): void;
  incidents?: DaemonIncidents;
  /** The daemon's reader of its programs' guard metrics, shared with `holdfast status`. */
  guard: GuardWatch;
  /** The daemon's log miner, when it runs one (it may start later, with a config update). */
  mining?: () => DaemonMining | undefined;
  log: Logger;
}

/** Control-API routes the page may use, by method and path pattern. */
const ACTIONS: [string, RegExp][] = [
  ['POST', /^\/v1\/(start|stop|restart|reload)$/],
  ['GET', /^\/v1\/status$/],
  ['GET', /^\/v1\/incidents(\/\d+)?$/],
  ['POST', /^\/v1\/incidents\/\d+\/(ack|resolve|invalid)$/],
  ['GET', /^\/v1\/alerts\/report$/],
];

const MAX_BODY = 64 * 1024;

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

const fail = (res: ServerResponse, status: number, code: string, message: string, extra: Record<string, unknown> = {}) =>
  json(res, status, { error: { code, message, ...extra } });

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) throw new RulesEditError('HOLDFAST_E_BAD_REQUEST', `the body is larger than ${MAX_BODY} bytes`);
    chunks.push(c);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch (err) {
    throw new RulesEditError('HOLDFAST_E_BAD_REQUEST', `the body is not JSON: ${(err as Error).message}`);
  }
}

const SIGN_IN_PAGE = (cmd: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" ` +
  `content="width=device-width,initial-scale=1"><title>holdfast: sign in</title><link rel="stylesheet" ` +
  `href="/signin.css"></head>
<body><main><h1>holdfast dashboard</h1><p>This page needs a sign-in link. On the machine the supervisor runs ` +
  `on:</p><pre>${cmd}</pre><p>and open the URL it prints. Each link works once, for two minutes.</p></main></body></html>`;

export class Dashboard {
  readonly live: Live;
  readonly auth: DashboardAuth;
  readonly assets: Assets;
  private readonly o: DashboardOptions;
  private server: Server | undefined;
  private readonly hosts: Set<string> | undefined;
  private readonly templateOf: TemplateLookup;

  private constructor(o: DashboardOptions) {
    this.o = o;
    const d = o.config.dashboard!;
    this.auth = new DashboardAuth(o.config.supervisor.stateDir, d.sessionTtlMs);
    this.assets = new Assets();
    this.live = new Live({
      supervisor: o.supervisor,
      config: o.config,
      daemonStatus: o.daemonStatus,
      ...(o.incidents ? { incidents: o.incidents } : {}),
      guard: o.guard,
      ...(o.mining ? { mining: o.mining } : {}),
      log: o.log,
    });
    this.templateOf = (program, line) => o.mining?.()?.templateOf(program, line) ?? null;
    // DNS rebinding: on loopback, only the names of loopback itself may be in the Host header.
    this.hosts = /^(127\.|::1$|localhost$)/.test(d.host)
      ? new Set([`127.0.0.1:${d.port}`, `localhost:${d.port}`, `[::1]:${d.port}`, `${d.host}:${d.port}`])
      : undefined;
  }

  static async start(o: DashboardOptions): Promise<Dashboard> {
    if (o.incidents) await loadInsight();
    const d = new Dashboard(o);
    const cfg = o.config.dashboard!;
    d.server = await listenTcp(cfg.host, cfg.port, (req, res) => d.handle(req, res));
    d.live.start();
    o.log.info({ url: d.baseUrl }, `dashboard on ${d.baseUrl} (holdfast dashboard -c ${o.config.file} prints a sign-in link)`);
    return d;
  }

  get baseUrl(): string {
    const { host, port } = this.o.config.dashboard!;
    const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    return `http://${h}:${port}`;
  }

  /** A one-time sign-in link (the control API's POST /v1/dashboard/login). */
  loginLink(): { url: string; expiresAt: string } {
    const { code, expiresAt } = this.auth.issueCode();
    return { url: `${this.baseUrl}/login?code=${code}`, expiresAt: new Date(expiresAt).toISOString() };
  }

  status(): DashboardStatus {
    const h = this.live.history;
    return {
      url: this.baseUrl,
      pages: this.live.hub.size,
      droppedPages: this.live.hub.dropped,
      historySeries: h.size,
      historyBytes: h.bytes,
      pageBytesGzip: this.assets.compressedBytes,
      tickCpuMs: Math.round(this.live.cost.cpuMicros / 1000),
    };
  }

  async close(): Promise<void> {
    this.live.stop();
    if (this.server) await closeServer(this.server);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.route(req, res).catch((err: unknown) => {
      const e = err as Error & { code?: string; issues?: unknown[] };
      if (res.headersSent) return void res.end();
      if (err instanceof RulesEditError) {
        const status = e.code === 'HOLDFAST_E_RULES_CHANGED' ? 409 : e.code === 'HOLDFAST_E_BAD_REQUEST' ? 400 : 422;
        return fail(res, status, e.code!, e.message, e.issues?.length ? { issues: e.issues } : {});
      }
      this.o.log.error({ err: e.message, url: req.url }, 'dashboard: request failed');
      fail(res, 500, 'HOLDFAST_E_API', e.message);
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.hosts && !this.hosts.has(String(req.headers.host)))
      return fail(res, 421, 'HOLDFAST_E_UNAUTHORIZED', `this dashboard answers to ${[...this.hosts][0]}, not ${req.headers.host}`);
    const url = new URL(req.url ?? '/', 'http://dashboard');
    const path = url.pathname;
    if (path === '/login' && req.method === 'GET') return this.login(res, url);
    if (path === '/signin.css' || path === '/favicon.svg') return void this.assets.serve(req, res, path);
    const session = this.auth.session(req);
    if (!session) {
      if (path.startsWith('/api/'))
        return fail(
          res,
          401,
          'HOLDFAST_E_UNAUTHORIZED',
          `not signed in (or the session ended): run 'holdfast dashboard -c ${this.o.config.file}' and open the link it prints`,
        );
      res.writeHead(401, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      return void res.end(SIGN_IN_PAGE(`holdfast dashboard -c ${this.o.config.file}`));
    }
    const writes = req.method !== 'GET' && req.method !== 'HEAD';
    if (writes && !this.auth.csrfOk(req, session))
      return fail(res, 403, 'HOLDFAST_E_CSRF', 'missing or wrong CSRF token, or a request from another site: reload the page');
    if (path.startsWith('/api/v1/')) return this.action(req, res, url);
    switch (`${req.method} ${path}`) {
      case 'GET /':
      case 'HEAD /':
        return void this.assets.serve(req, res, '/index.html');
      case 'GET /api/session':
        return json(res, 200, {
          csrf: this.auth.csrfToken(session),
          expiresAt: new Date(session.expiresAt).toISOString(),
          config: this.o.config.file,
        });
      case 'POST /api/logout':
        return json(res, 200, { signedOut: true }, { 'set-cookie': DashboardAuth.clearCookie() });
      case 'GET /api/state':
        return json(res, 200, this.live.snapshot());
      case 'GET /api/stream':
        return this.live.hub.open(req, res, Hub.message('snapshot', this.live.snapshot()));
      case 'GET /api/history':
        return this.historyRoute(res, url);
      case 'GET /api/logs':
        return logLines(this.o.supervisor, this.templateOf, url, res);
      case 'GET /api/logs/stream':
        return openLogStream(this.o.supervisor, this.templateOf, url, req, res);
      case 'GET /api/guard/rules':
        return this.rulesRead(res, url);
      case 'POST /api/guard/rules':
        return this.rulesEdit(req, res, session);
    }
    if (req.method === 'GET' && this.assets.serve(req, res, path)) return;
    fail(res, 404, 'HOLDFAST_E_BAD_REQUEST', `no such page: ${req.method} ${path}`);
  }

  private login(res: ServerResponse, url: URL): void {
    const s: Session | undefined = this.auth.redeem(url.searchParams.get('code') ?? '');
    if (!s) {
      res.writeHead(401, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      return void res.end(
        SIGN_IN_PAGE(`holdfast dashboard -c ${this.o.config.file}`).replace(
          '<p>This page',
          '<p><strong>That link was used already or has expired.</strong></p><p>This page',
        ),
      );
    }
    // Sent on without the code, so it is not left in the address bar or the history.
    res.writeHead(303, { ...SECURITY_HEADERS, location: '/', 'set-cookie': this.auth.setCookie(s), 'cache-control': 'no-store' });
    res.end();
  }

  /** A control-API route on behalf of the page: the same handler, validation and errors as the socket. */
  private action(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const path = url.pathname.slice('/api'.length);
    if (!ACTIONS.some(([m, re]) => m === req.method && re.test(path)))
      return fail(res, 404, 'HOLDFAST_E_BAD_REQUEST', `the page cannot ${req.method} ${path}`);
    req.url = `${path}${url.search}`;
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    res.setHeader('cache-control', 'no-store');
    if (path.startsWith('/v1/incidents/')) res.once('finish', () => this.live.incidentsChanged());
    this.o.control(req, res);
  }

  private historyRoute(res: ServerResponse, url: URL): void {
    const ids = (url.searchParams.get('series') ?? '').split(',').filter(Boolean).slice(0, 64);
    const range = url.searchParams.get('range') ?? '1h';
    if (range !== '1h' && range !== '1d' && range !== '5m')
      return fail(res, 400, 'HOLDFAST_E_BAD_REQUEST', `range: '${range}' is not one of 5m, 1h, 1d`);
    const h = this.live.history;
    const series = Object.fromEntries(
      ids.flatMap((id) => {
        const w = range === '1d' ? h.minutes(id) : h.seconds(id, range === '5m' ? 300 : 3600);
        return w ? [[id, w]] : [];
      }),
    );
    json(res, 200, { range, series });
  }

  private rulesFile(url: URL): string {
    const file = url.searchParams.get('file') ?? '';
    const files = new Set(Object.values(this.o.config.dashboard!.guard).flatMap((g) => (g.rules ? [g.rules] : [])));
    if (!files.has(file))
      throw new RulesEditError(
        'HOLDFAST_E_BAD_REQUEST',
        `'${file}' is not a rules file of this config (${[...files].join(', ') || 'none: set dashboard.guard.<program>.rules'})`,
      );
    return file;
  }

  private async rulesRead(res: ServerResponse, url: URL): Promise<void> {
    json(res, 200, await readRulesIsolated(this.rulesFile(url)));
  }

  private async rulesEdit(req: IncomingMessage, res: ServerResponse, session: Session): Promise<void> {
    const body = (await readJson(req)) as Partial<RuleEdit> & { file?: string };
    const file = this.rulesFile(new URL(`http://x/?file=${encodeURIComponent(String(body.file ?? ''))}`));
    const problems: string[] = [];
    if (typeof body.version !== 'string') problems.push('version: the version the page read (from GET /api/guard/rules)');
    if (!['set', 'add', 'delete'].includes(String(body.op))) problems.push("op: one of 'set', 'add', 'delete'");
    if (!['flow', 'breakers', 'hotspot', 'isolation', 'system'].includes(String(body.kind)))
      problems.push('kind: one of flow, breakers, hotspot, isolation, system');
    if (body.kind !== 'system' && body.op !== 'add' && typeof body.id !== 'string') problems.push('id: the id of the rule to change');
    if (body.op !== 'delete' && (typeof body.rule !== 'object' || body.rule === null || Array.isArray(body.rule)))
      problems.push('rule: the rule as an object of fields');
    if (problems.length) throw new RulesEditError('HOLDFAST_E_BAD_REQUEST', problems.join('; '));
    const view = await editRulesIsolated(file, body as RuleEdit);
    this.o.log.warn(
      {
        file,
        op: body.op,
        kind: body.kind,
        id: body.id ?? (body.rule as { id?: string } | undefined)?.id,
        session: session.id.slice(0, 6),
      },
      `dashboard: ${body.op} ${body.kind} rule written to ${file}`,
    );
    json(res, 200, view);
  }
}
