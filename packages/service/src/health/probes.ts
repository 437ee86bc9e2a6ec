// The three probes Kubernetes (and the holdfast supervisor) ask:
//   /livez    — can this process serve at all? Never looks at dependencies; fails only when the
//               event loop was blocked past the watchdog threshold.
//   /readyz   — should traffic come here? 503 while STARTING, DRAINING, CLOSING or when a
//               critical check fails; 200 while DEGRADED (degrade, don't fail).
//   /startupz — has the service finished starting (reached READY once)?
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { LifecycleState } from '../lifecycle.ts';
import type { CheckReport } from './checks.ts';

export interface ProbeSource {
  state(): LifecycleState;
  started(): boolean;
  live(): { ok: boolean; lastBlockMs: number | null; maxLagMs: number };
  ready(): boolean;
  checks(): Record<string, CheckReport>;
  /** Called with every readiness answer (the drain follows who polls it). */
  readinessAnswered(req: FastifyRequest, ready: boolean): void;
}

export function installProbes(app: FastifyInstance, paths: { livez: string; readyz: string; startupz: string }, src: ProbeSource): void {
  const noStore = { 'cache-control': 'no-store' };
  app.get(paths.livez, { logLevel: 'warn' }, (_req, reply) => {
    const live = src.live();
    return reply
      .code(live.ok ? 200 : 503)
      .headers(noStore)
      .send({ status: live.ok ? 'ok' : 'fail', state: src.state(), eventLoop: { lastBlockMs: live.lastBlockMs, maxLagMs: live.maxLagMs } });
  });
  app.get(paths.readyz, { logLevel: 'warn' }, (req, reply) => {
    const ok = src.ready();
    src.readinessAnswered(req, ok);
    return reply
      .code(ok ? 200 : 503)
      .headers(noStore)
      .send({ status: ok ? 'ok' : 'unavailable', state: src.state(), checks: src.checks() });
  });
  app.get(paths.startupz, { logLevel: 'warn' }, (_req, reply) => {
    const ok = src.started();
    return reply
      .code(ok ? 200 : 503)
      .headers(noStore)
      .send({ status: ok ? 'ok' : 'starting', state: src.state(), checks: src.checks() });
  });
}
