// The Fastify plugin: every route is a resource named "METHOD /route/:template" (never the raw
// URL, so metrics and rules stay bounded). onRequest enters the guard (inbound, so system
// protection applies), onResponse exits it: 5xx answers and responses slower than timeoutMs
// count as errors, which the breakers of sentinel's Gin adapter never see. Health and metrics
// routes are exempt: never entered, never shed.
//
// fastify is a peer dependency of this subpath, imported for types only; the plugin marks
// itself non-encapsulated the way fastify-plugin does, so it guards every route of the app.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { BlockError } from '../block-error.ts';
import type { Entry } from '../entry.ts';
import { type Guard, createGuard } from '../guard.ts';
import type { ResourceRules } from '../manager/compile.ts';
import type { GuardRules } from '../manager/validate.ts';
import type { ResourceNode } from '../stat/resource-node.ts';
import { PRIORITY_CRITICAL, type Priority, priorityCode } from '../system/priority.ts';
import { blockAnswer } from './block-response.ts';
import { unmatchedRules } from './unmatched.ts';

/** Per-route settings, in the route's `config.guard`. */
export interface RouteGuardOptions {
  /** Skip the guard for this route (like the health routes). */
  exempt?: boolean;
  /** Resource name for this route (default "METHOD /template"). */
  resource?: string;
  priority?: Priority;
  /** The per-key value for hotspot rules. */
  key?: (request: FastifyRequest) => unknown;
  /** Answer a blocked request with this instead of 429/503 (e.g. a cached or degraded page). */
  fallback?: (request: FastifyRequest, reply: FastifyReply, error: BlockError) => unknown;
}

export interface GuardPluginOptions {
  /** The guard to use (default: a new one, logging through the app's logger). */
  guard?: Guard;
  /** Rules to load at registration. */
  rules?: GuardRules;
  /** A YAML/JSON rules file to load and hot-reload (uses the yaml peer dependency). */
  rulesFile?: string;
  /** Route paths (templates or exact URLs) never guarded. Default: /livez /readyz /startupz /metrics. */
  exempt?: string[];
  /** Default priority per request (route config wins). */
  priority?: (request: FastifyRequest) => Priority;
  /** Default per-key value per request for hotspot rules (route config wins). */
  key?: (request: FastifyRequest) => unknown;
  /** Which status codes count as errors (default: >= 500). */
  isErrorStatus?: (statusCode: number) => boolean;
  /** A response slower than this counts as an error (a timeout), whatever its status. */
  timeoutMs?: number;
}

interface RouteCtx {
  exempt: boolean;
  node: ResourceNode<ResourceRules> | null;
  priority: number;
  key: ((request: FastifyRequest) => unknown) | undefined;
  fallback: RouteGuardOptions['fallback'];
}

declare module 'fastify' {
  interface FastifyContextConfig {
    guard?: RouteGuardOptions;
  }
  interface FastifyInstance {
    guard: Guard;
  }
  interface FastifyRequest {
    holdfastGuardEntry: Entry | null;
    holdfastGuardWait: NodeJS.Timeout | null;
  }
}

export const DEFAULT_EXEMPT = ['/livez', '/readyz', '/startupz', '/metrics'];
const EXIT_ERROR = { error: true };
const EXEMPT: RouteCtx = { exempt: true, node: null, priority: PRIORITY_CRITICAL, key: undefined, fallback: undefined };

async function guardPluginImpl(fastify: FastifyInstance, options: GuardPluginOptions): Promise<void> {
  const guard = options.guard ?? createGuard({ logger: fastify.log });
  const owned = options.guard === undefined;
  if (options.rules) guard.loadRules(options.rules);
  if (options.rulesFile) {
    const { watchRulesFile } = await import('../schema/file-source.ts');
    const watcher = watchRulesFile(guard, options.rulesFile);
    fastify.addHook('onClose', (_i, done) => {
      watcher.close();
      done();
    });
  }
  if (owned) {
    fastify.addHook('onClose', (_i, done) => {
      guard.close();
      done();
    });
  }
  if (!fastify.hasDecorator('guard')) fastify.decorate('guard', guard);

  // A rule naming a route that does not exist protects nothing, silently: say so at start and
  // on every reload, with the closest route. Routes are seen as they are added (register the
  // plugin before them, as for any non-encapsulated hook).
  const routes = new Set<string>();
  fastify.addHook('onRoute', (route) => {
    const custom = (route.config as { guard?: RouteGuardOptions } | undefined)?.guard?.resource;
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) routes.add(custom ?? `${method} ${route.url}`);
  });
  let started = false;
  const reportUnmatched = () => {
    for (const u of unmatchedRules(guard.rules, routes)) {
      guard.logger.warn(
        u,
        `guard: rule ` +
          `'${u.ruleId}' names ` +
          `'${u.resource}', which matches no route of this app: it protects ` +
          `nothing${u.hint ? ` (${u.hint})` : ''}`,
      );
    }
  };
  const onSwap = () => {
    if (started) reportUnmatched();
  };
  guard.on('rulesSwapped', onSwap);
  fastify.addHook('onReady', (done) => {
    started = true;
    reportUnmatched();
    done();
  });
  fastify.addHook('onClose', (_i, done) => {
    guard.off('rulesSwapped', onSwap);
    done();
  });
  fastify.decorateRequest('holdfastGuardEntry', null);
  fastify.decorateRequest('holdfastGuardWait', null);

  const exempt = new Set(options.exempt ?? DEFAULT_EXEMPT);
  const isErrorStatus = options.isErrorStatus ?? ((s: number) => s >= 500);
  const timeoutMs = options.timeoutMs ?? Infinity;
  // Route contexts, built on a route's first request: per config object (one per route), per method.
  const contexts = new WeakMap<object, Map<string, RouteCtx>>();

  const contextFor = (req: FastifyRequest): RouteCtx => {
    const ro = req.routeOptions;
    const url = ro.url;
    if (url === undefined) return EXEMPT; // no route matched: the 404 handler is not a resource
    const config = ro.config as { guard?: RouteGuardOptions };
    let byMethod = contexts.get(config);
    if (byMethod === undefined) contexts.set(config, (byMethod = new Map()));
    let ctx = byMethod.get(req.method);
    if (ctx === undefined) {
      const rg = config.guard ?? {};
      const isExempt = rg.exempt === true || exempt.has(url);
      ctx = isExempt
        ? EXEMPT
        : {
            exempt: false,
            node: guard.nodeFor(rg.resource ?? `${req.method} ${url}`),
            priority: priorityCode(rg.priority),
            key: rg.key ?? options.key,
            fallback: rg.fallback,
          };
      byMethod.set(req.method, ctx);
    }
    return ctx;
  };

  const answerBlocked = (req: FastifyRequest, reply: FastifyReply, ctx: RouteCtx, err: BlockError): void => {
    if (ctx.fallback) {
      void Promise.resolve()
        .then(() => ctx.fallback!(req, reply, err))
        .then(
          (payload) => {
            if (!reply.sent) void reply.send(payload);
          },
          (e: unknown) => void reply.send(e),
        );
      return;
    }
    const a = blockAnswer(err);
    reply.code(a.status).header('retry-after', a.retryAfter).header('content-type', 'application/json; charset=utf-8');
    if (a.policy !== null) reply.header('ratelimit-policy', a.policy).header('ratelimit', a.rateLimit!);
    void reply.send(a.body);
  };

  fastify.addHook('onRequest', (req, reply, done) => {
    const ctx = contextFor(req);
    if (ctx.exempt) return done();
    const priority =
      options.priority && req.routeOptions.config.guard?.priority === undefined ? priorityCode(options.priority(req)) : ctx.priority;
    const r = guard.enter(ctx.node!, ctx.key?.(req), 1, priority, true);
    if (r.blocked) return answerBlocked(req, reply, ctx, r);
    req.holdfastGuardEntry = r;
    if (r.waitMs <= 0) return done();
    // Throttled: hold the request for its slot; a client that leaves meanwhile frees it (onRequestAbort).
    req.holdfastGuardWait = setTimeout(() => {
      req.holdfastGuardWait = null;
      done();
    }, r.waitMs);
  });

  const finish = (req: FastifyRequest, statusCode: number, forceError: boolean): void => {
    const e = req.holdfastGuardEntry;
    if (e === null || !e.active) return;
    req.holdfastGuardEntry = null;
    const slow = timeoutMs !== Infinity && guard.clock.now() - e.startedAt - e.waitMs > timeoutMs;
    e.exit(forceError || slow || isErrorStatus(statusCode) ? EXIT_ERROR : undefined);
  };
  fastify.addHook('onResponse', (req, reply, done) => {
    finish(req, reply.statusCode, false);
    done();
  });
  // The socket timed out (connectionTimeout/requestTimeout): no response will come; an error.
  fastify.addHook('onTimeout', (req, _reply, done) => {
    finish(req, 0, true);
    done();
  });
  // The client went away: still queued for a throttled slot, the call never ran (cancel);
  // otherwise it is judged like a response, by duration (a timeout is an error).
  fastify.addHook('onRequestAbort', (req, done) => {
    const wait = req.holdfastGuardWait;
    if (wait !== null) {
      clearTimeout(wait);
      req.holdfastGuardWait = null;
      const e = req.holdfastGuardEntry;
      req.holdfastGuardEntry = null;
      e?.cancel();
    } else finish(req, 0, false);
    done();
  });
}

/** Register with `app.register(guardPlugin, { rules | rulesFile, ... })`. */
export const guardPlugin = Object.assign(guardPluginImpl, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: '@holdfast/guard',
  [Symbol.for('plugin-meta')]: { name: '@holdfast/guard', fastify: '5.x' },
});
