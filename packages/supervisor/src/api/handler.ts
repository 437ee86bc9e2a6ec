// The control API: HTTP/JSON over the Unix socket (or token-guarded TCP). node:http only, no
// framework: the daemon must stay small. Every error is JSON with a stable code.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SupervisorError } from '../errors.ts';
import type { Supervisor } from '../runner/supervisor.ts';
import { HttpError } from './http-error.ts';
import { readJson, sendJson } from './json.ts';
import { serveLogs } from './logs-route.ts';
import { actionBody, emptyBody, reloadBody, signalBody, startBody, type Validated } from './bodies.ts';
import type {
  ApiErrorBody,
  ConfigIssue,
  DaemonStatus,
  GuardStatus,
  InstanceStatus,
  StatusReport,
  SupervisorEvent,
  UpdateResult,
} from './types.ts';

export interface ApiContext {
  supervisor: Supervisor;
  daemonStatus(): DaemonStatus;
  /** The cluster and adaptive rules of the programs serving guard metrics (GET /v1/status?guard=1), answered within a short wait. */
  guardStatus?(rows: InstanceStatus[]): Promise<GuardStatus[]>;
  /** Re-reads the config file and applies what changed; throws ConfigError when it does not validate. */
  update(): Promise<UpdateResult>;
  shutdown(): void;
  metrics(): Promise<{ contentType: string; body: string }>;
  /** More routes (the incident loop's): true when it took the request. */
  extra?: (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;
}

const MAX_BODY = 64 * 1024;

async function readBody<T>(req: IncomingMessage, validate: (d: unknown) => Validated<T>): Promise<T> {
  const v = validate(await readJson(req, MAX_BODY));
  if (!v.ok) throw new HttpError(400, 'HOLDFAST_E_BAD_REQUEST', v.error);
  return v.value;
}

/** A check of `Authorization: Bearer <token>` in constant time (node:crypto loads only when a TCP API is configured). */
export async function bearerAuth(token: string): Promise<(req: IncomingMessage) => boolean> {
  const { createHash, timingSafeEqual } = await import('node:crypto');
  const digest = (s: string) => createHash('sha256').update(s).digest();
  const want = digest(token);
  return (req) => {
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    return m !== null && timingSafeEqual(digest(m[1]!.trim()), want);
  };
}

/** Events queued for one SSE client that reads slower than they come; past this it is disconnected. */
const MAX_QUEUED_EVENTS = 256;

function sse(req: IncomingMessage, res: ServerResponse, sup: Supervisor): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.write('retry: 1000\n\n');
  // A client that does not read must not make the daemon hold its events without bound: a few
  // wait while the socket is full; past that it is told so and disconnected (it reconnects and
  // reads the status again), never silently skipped.
  let queue: string[] | undefined;
  const send = (text: string) => {
    if (res.destroyed) return;
    if (queue) {
      if (queue.length < MAX_QUEUED_EVENTS) queue.push(text);
      else {
        finish();
        res.end(`event: overflow\ndata: ${JSON.stringify({ type: 'overflow', dropped: true, max: MAX_QUEUED_EVENTS })}\n\n`);
      }
      return;
    }
    if (!res.write(text)) {
      queue = [];
      res.once('drain', flush);
    }
  };
  const flush = () => {
    const q = queue ?? [];
    queue = undefined;
    for (const t of q) send(t);
  };
  const on = (e: SupervisorEvent) => send(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
  sup.on('event', on);
  // A comment now and then keeps proxies and idle timeouts from closing a quiet stream.
  const ping = setInterval(() => send(': ping\n\n'), 15_000);
  ping.unref();
  const finish = () => {
    clearInterval(ping);
    sup.off('event', on);
  };
  req.once('close', finish);
}

/** A yes/no query parameter: absent, 0/false or 1/true; anything else is a bad request. */
function flag(url: URL, name: string): boolean {
  const v = url.searchParams.get(name);
  if (v === null || v === '0' || v === 'false') return false;
  if (v === '' || v === '1' || v === 'true') return true;
  throw new HttpError(400, 'HOLDFAST_E_BAD_REQUEST', `${name}=${v}: expected ${name}=1 or ${name}=0`);
}

async function route(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://holdfast');
  const sup = ctx.supervisor;
  const key = `${req.method} ${url.pathname}`;
  switch (key) {
    case 'GET /v1/status': {
      const guard = flag(url, 'guard');
      const programs = sup.status();
      const report: StatusReport = { daemon: ctx.daemonStatus(), programs };
      if (guard) report.guard = (await ctx.guardStatus?.(programs)) ?? [];
      return sendJson(res, 200, report);
    }
    case 'POST /v1/start': {
      const b = await readBody(req, startBody);
      return sendJson(res, 200, await sup.startTargets(b.targets, b));
    }
    case 'POST /v1/stop': {
      const b = await readBody(req, actionBody);
      return sendJson(res, 200, await sup.stopTargets(b.targets, b));
    }
    case 'POST /v1/restart': {
      const b = await readBody(req, actionBody);
      return sendJson(res, 200, await sup.restartTargets(b.targets, b));
    }
    case 'POST /v1/signal': {
      const b = await readBody(req, signalBody);
      return sendJson(res, 200, { signalled: sup.signalTargets(b.targets, b.signal) });
    }
    case 'POST /v1/reload': {
      const b = await readBody(req, reloadBody);
      const result = await sup.reload(b.program, b.timeoutMs ? { readyTimeoutMs: b.timeoutMs } : {});
      if (result.ok) return sendJson(res, 200, result);
      const detail = result.failed?.instance ? `${result.failed.instance} ${result.failed.reason}` : (result.failed?.reason ?? 'unknown');
      return sendJson(res, 422, {
        error: {
          code: 'HOLDFAST_E_RELOAD_FAILED',
          message:
            `the rolling reload of ` +
            `'${b.program}' ` +
            `stopped: ${detail}; ${result.replaced.length} ` +
            `of ${result.instances.length} instance(s) were replaced, the others keep serving`,
        },
        result,
      });
    }
    case 'POST /v1/update':
      await readBody(req, emptyBody);
      return sendJson(res, 200, await ctx.update());
    case 'POST /v1/shutdown':
      await readBody(req, emptyBody);
      sendJson(res, 202, { shuttingDown: true });
      setImmediate(() => ctx.shutdown());
      return;
    case 'GET /v1/logs':
      return serveLogs(url, req, res, sup);
    case 'GET /v1/events':
      return sse(req, res, sup);
    case 'GET /metrics': {
      const m = await ctx.metrics();
      res.writeHead(200, { 'content-type': m.contentType });
      res.end(m.body);
      return;
    }
    case 'GET /healthz':
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok\n');
      return;
  }
  if (ctx.extra?.(req, res, url)) return;
  const known = [
    '/v1/status',
    '/v1/start',
    '/v1/stop',
    '/v1/restart',
    '/v1/signal',
    '/v1/reload',
    '/v1/update',
    '/v1/shutdown',
    '/v1/logs',
    '/v1/events',
    '/metrics',
    '/healthz',
  ];
  if (known.includes(url.pathname)) throw new HttpError(405, 'HOLDFAST_E_BAD_REQUEST', `${req.method} is not allowed on ${url.pathname}`);
  throw new HttpError(404, 'HOLDFAST_E_BAD_REQUEST', `no such endpoint: ${url.pathname}`);
}

/** The request handler; with `auth`, every request must pass it (the TCP listener). */
export function createApiHandler(ctx: ApiContext, auth?: (req: IncomingMessage) => boolean) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    if (auth && !auth(req)) {
      res.setHeader('www-authenticate', 'Bearer');
      sendJson(res, 401, {
        error: { code: 'HOLDFAST_E_UNAUTHORIZED', message: 'missing or wrong bearer token (Authorization: Bearer <token>)' },
      } satisfies ApiErrorBody);
      return;
    }
    route(ctx, req, res).catch((err: unknown) => {
      let status = 500;
      let body: ApiErrorBody;
      if (err instanceof HttpError) {
        status = err.status;
        body = { error: { code: err.code, message: err.message } };
      } else if (err instanceof SupervisorError && err.code === 'HOLDFAST_E_CONFIG') {
        // A config that did not validate: every issue, with file, line and column.
        status = 400;
        body = {
          error: {
            code: err.code,
            message: err.message,
            ...(Array.isArray(err.details.issues) ? { issues: err.details.issues as ConfigIssue[] } : {}),
          },
        };
      } else if (err instanceof SupervisorError) {
        status = err.status;
        body = { error: { code: err.code, message: err.message } };
      } else {
        body = { error: { code: 'HOLDFAST_E_API', message: (err as Error).message } };
      }
      if (res.headersSent) res.end();
      else sendJson(res, status, body);
    });
  };
}
