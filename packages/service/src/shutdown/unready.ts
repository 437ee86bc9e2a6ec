// The drain's first phase: unready but still serving. How long it lasts:
//   - `shutdownDelayMs` when one is configured (Kubernetes gets 5 s by default: endpoint removal
//     races SIGTERM whatever readiness says);
//   - nothing on a socket inherited from a supervisor: it keeps the socket open, so closing our
//     listener only hands new connections to the siblings (or queues them for the next instance);
//   - otherwise until every load balancer that polls readiness has been answered 503
//     (`readinessDrain.answers` times), then `readinessDrain.reactionMs` for it to act, never
//     longer than half the grace period; nothing at all when nobody polls readiness.
import { setTimeout as delay } from 'node:timers/promises';
import type { ReadinessPollers } from '../health/readiness-pollers.ts';

export interface ReadinessDrainOptions {
  answers: number;
  reactionMs: number;
}

export type UnreadyPlan =
  | { kind: 'delay'; delayMs: number; why: string }
  | { kind: 'pollers'; pollers: ReadinessPollers; watching: string[]; answers: number; reactionMs: number; maxMs: number };

export interface UnreadyOutcome {
  ms: number;
  /** With the pollers plan: who saw readiness fail, who stopped polling, who was still owed answers at the cap. */
  pollers?: { saw: string[]; gone: string[]; pending: string[] };
}

export function planUnready(
  o: { shutdownDelayMs: number | undefined; readinessDrain: ReadinessDrainOptions | false; inheritedSocket: boolean; maxMs: number },
  pollers: ReadinessPollers,
): UnreadyPlan {
  if (o.shutdownDelayMs !== undefined) return { kind: 'delay', delayMs: o.shutdownDelayMs, why: 'shutdownDelayMs' };
  if (o.inheritedSocket)
    return { kind: 'delay', delayMs: 0, why: 'the listening socket is inherited: the supervisor keeps it open for the other instances' };
  if (!o.readinessDrain) return { kind: 'delay', delayMs: 0, why: 'readinessDrain is off' };
  const watching = pollers.watching();
  if (watching.length === 0) return { kind: 'delay', delayMs: 0, why: 'nobody polls readiness' };
  return { kind: 'pollers', pollers, watching, answers: o.readinessDrain.answers, reactionMs: o.readinessDrain.reactionMs, maxMs: o.maxMs };
}

/** Runs the phase; readiness already answers 503. */
export async function waitUnready(plan: UnreadyPlan, now: () => number = () => performance.now()): Promise<UnreadyOutcome> {
  const t0 = now();
  if (plan.kind === 'delay') {
    if (plan.delayMs > 0) await delay(plan.delayMs);
    return { ms: now() - t0 };
  }
  const cap = AbortSignal.timeout(Math.max(1, Math.floor(plan.maxMs)));
  const seen = await plan.pollers.seen(plan.watching, plan.answers, cap);
  const left = plan.maxMs - (now() - t0);
  // The balancers that saw it need their reaction time; pollers that went quiet need none.
  if (seen.saw.length > 0 && left > 0) await delay(Math.min(plan.reactionMs, left));
  return { ms: now() - t0, pollers: { saw: seen.saw, gone: seen.gone, pending: seen.pending } };
}
