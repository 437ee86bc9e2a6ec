// The graceful drain, phase by phase:
//   unready  → readiness answers 503; keep serving (shutdown/unready.ts: for the shutdown delay,
//              or until the load balancers polling readiness have seen it), every response
//              carrying `Connection: close` so keep-alive clients move away one by one;
//   close    → stop accepting (an instance sharing an inherited socket hands new connections to
//              its siblings from here on); give keep-alive clients a grace period to move away
//              (each response closes its connection); end the sockets still idle (FIN, not
//              RST); wait for in-flight requests until the drain deadline;
//   hooks    → onShutdown hooks in reverse order, each under its own timeout;
//   app      → Fastify's own onClose hooks (plugins);
//   flush    → logs last.
// Past the deadline the report names the requests and hooks still pending and the exit code
// is 1.
import type { Server } from 'node:http';
import { Server as NetServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { ConnectionTracker, InFlightRequest } from '../http/connections.ts';
import { shutdownBudget } from './budget.ts';
import { runHooks, type HookResult, type RegisteredHook } from './hooks.ts';
import { waitUnready, type UnreadyPlan } from './unready.ts';

export interface StopReport {
  reason: string;
  ok: boolean;
  exitCode: number;
  /** Milliseconds spent in each phase. */
  phases: Record<'unready' | 'close' | 'hooks' | 'app' | 'total', number>;
  /** Requests still in flight when the drain deadline passed. */
  pendingRequests: InFlightRequest[];
  hooks: HookResult[];
}

export interface DrainContext {
  reason: string;
  exitCode: number;
  graceMs: number;
  unready: UnreadyPlan;
  /** Keep-alive grace after the listener closes (capped to a quarter of the drain budget). */
  keepAliveGraceMs: number;
  servers: Server[];
  tracker: ConnectionTracker;
  hooks: readonly RegisteredHook[];
  log: Logger;
  /** Lifecycle transitions, called at the start of each phase. */
  onPhase: (phase: 'unready' | 'close') => void;
  closeApp: () => Promise<void>;
  /** Stops background work (checks, watchdog) after requests are done. */
  stopBackground: () => void;
  now?: () => number;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    // net.Server's close, not http.Server's: since Node 19 the latter also destroys every idle
    // keep-alive connection at once, resetting clients that are sending on one at that moment.
    // The tracker ends idle connections itself, after the keep-alive grace. The callback fires
    // once every connection has ended.
    NetServer.prototype.close.call(server, () => resolve());
  });
}

export async function drain(ctx: DrainContext): Promise<StopReport> {
  const now = ctx.now ?? (() => performance.now());
  const t0 = now();
  const phases = { unready: 0, close: 0, hooks: 0, app: 0, total: 0 };
  const plan = ctx.unready;
  const planned =
    plan.kind === 'delay'
      ? { delayMs: plan.delayMs, why: plan.why }
      : {
          until: 'readiness pollers saw 503',
          pollers: plan.watching,
          answers: plan.answers,
          reactionMs: plan.reactionMs,
          upToMs: Math.round(plan.maxMs),
        };
  ctx.log.info({ reason: ctx.reason, unready: planned }, 'shutdown: unready, draining');

  // Phase 1: unready, still serving.
  ctx.onPhase('unready');
  ctx.tracker.markClosing();
  const unready = await waitUnready(plan, now);
  phases.unready = Math.round(now() - t0);
  const budget = shutdownBudget(
    ctx.graceMs,
    unready.ms,
    ctx.hooks.map((h) => h.timeoutMs),
  );
  ctx.log.info({ budget, ...(unready.pollers ? { pollers: unready.pollers } : {}) }, 'shutdown: closing the listener');

  // Phase 2: stop accepting, finish in-flight requests.
  const t1 = now();
  ctx.onPhase('close');
  const closed = Promise.all(ctx.servers.map(closeServer));
  const deadline = AbortSignal.timeout(Math.max(1, Math.floor(budget.drainMs)));
  const graceMs = Math.floor(Math.min(ctx.keepAliveGraceMs, budget.drainMs / 4));
  if (graceMs > 0) await ctx.tracker.idle(AbortSignal.any([deadline, AbortSignal.timeout(graceMs)]));
  ctx.tracker.closeIdle();
  const drained = await ctx.tracker.idle(deadline);
  let pendingRequests: InFlightRequest[] = [];
  if (!drained) {
    pendingRequests = ctx.tracker.pending();
    const at = now();
    ctx.log.error(
      {
        pending: pendingRequests.map((p) => ({
          method: p.method,
          url: p.url,
          requestId: p.requestId,
          runningMs: Math.round(at - p.startedAt),
        })),
        connections: ctx.tracker.connections,
      },
      `shutdown: drain deadline ` +
        `(${Math.round(budget.drainMs)} ms) passed ` +
        `with ${pendingRequests.length} request(s) ` +
        `in flight; closing their connections`,
    );
    ctx.tracker.destroyAll();
  }
  await closed;
  phases.close = Math.round(now() - t1);
  ctx.stopBackground();

  // Phase 3: hooks.
  const t2 = now();
  const hooks = await runHooks(ctx.hooks, ctx.reason, t2 + budget.hooksMs, now);
  phases.hooks = Math.round(now() - t2);
  for (const h of hooks)
    if (h.status !== 'ok') ctx.log.error({ hook: h.name, status: h.status, error: h.error }, `shutdown: hook '${h.name}' ${h.status}`);

  // Phase 4: Fastify's onClose hooks (plugins: database clients, guard, ...).
  const t3 = now();
  try {
    await Promise.race([ctx.closeApp(), delay(Math.max(1, Math.floor(budget.marginMs)), undefined, { ref: false })]);
  } catch (err) {
    ctx.log.error({ err }, 'shutdown: closing the app failed');
  }
  phases.app = Math.round(now() - t3);
  phases.total = Math.round(now() - t0);

  const ok = drained && hooks.every((h) => h.status === 'ok');
  const exitCode = ok ? ctx.exitCode : Math.max(1, ctx.exitCode);
  ctx.log[ok ? 'info' : 'error'](
    { reason: ctx.reason, ok, exitCode, phases, hooks },
    ok ? 'shutdown complete' : 'shutdown finished with work left pending',
  );
  return { reason: ctx.reason, ok, exitCode, phases, pendingRequests, hooks };
}

/** The report of a stop that had nothing to drain (never listened), or whose drain itself failed. */
export const emptyStopReport = (reason: string, ok: boolean, exitCode: number): StopReport => ({
  reason,
  ok,
  exitCode,
  phases: { unready: 0, close: 0, hooks: 0, app: 0, total: 0 },
  pendingRequests: [],
  hooks: [],
});
