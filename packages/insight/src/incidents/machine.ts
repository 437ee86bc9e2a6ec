// The incident state machine as a pure function: (state, event, context) → (next state, effects).
//   open ──ack──► acknowledged ──resolve / invalid / quiet / source──► resolved ──occurred──► open
// Every legal move is a row of `table`; an event with no row in a state changes nothing (an ack
// of a resolved incident, a late timer), and `accepts` tells the API to answer 409 for it.
import type {
  IncidentContext,
  IncidentEffect,
  IncidentEvent,
  IncidentEventType,
  IncidentState,
  IncidentStateName,
  IncidentTransition,
  Resolution,
} from './states.ts';

type Handler<E extends IncidentEventType> = (
  s: IncidentState,
  e: Extract<IncidentEvent, { type: E }>,
  ctx: IncidentContext,
) => IncidentTransition;
type Row = { [E in IncidentEventType]?: Handler<E> };

const stay = (s: IncidentState, effects: IncidentEffect[] = []): IncidentTransition => ({ next: s, effects });

/** A new incident from its first signal. */
export function openIncident(at: number, ctx: IncidentContext): IncidentTransition {
  const quietAt = ctx.now + ctx.quietMs;
  return {
    next: { state: 'open', since: ctx.now, firstSeen: at, lastSeen: at, count: 1, openedAt: ctx.now, reopened: 0, quietAt },
    effects: [
      { type: 'record', what: 'opened' },
      { type: 'notify', action: 'trigger' },
      { type: 'setTimer', at: quietAt },
      { type: 'act' },
    ],
  };
}

/** Another signal of an incident that is still open or acknowledged: counted, quiet period restarted. */
function occurred(s: IncidentState, e: { at: number }, ctx: IncidentContext): IncidentTransition {
  const quietAt = ctx.now + ctx.quietMs;
  return stay({ ...s, count: s.count + 1, lastSeen: Math.max(s.lastSeen, e.at), quietAt }, [{ type: 'setTimer', at: quietAt }]);
}

function resolve(s: IncidentState, ctx: IncidentContext, resolution: Resolution, patch: Partial<IncidentState>): IncidentTransition {
  const next: IncidentState = { ...s, ...patch, state: 'resolved', since: ctx.now, resolvedAt: ctx.now, resolution };
  delete next.quietAt;
  const effects: IncidentEffect[] = [
    { type: 'clearTimer' },
    {
      type: 'record',
      what: resolution === 'invalid' ? 'invalid' : 'resolved',
      detail: resolution === 'invalid' ? patch.invalidReason : resolution,
    },
    { type: 'notify', action: 'resolve' },
  ];
  return { next, effects };
}

const live: Row = {
  occurred,
  resolve: (s, e, ctx) => resolve(s, ctx, 'manual', { ...(e.by ? { resolvedBy: e.by } : {}), ...(e.cause ? { cause: e.cause } : {}) }),
  invalid: (s, e, ctx) => resolve(s, ctx, 'invalid', { invalidReason: e.reason, ...(e.by ? { resolvedBy: e.by } : {}) }),
  sourceResolved: (s, _e, ctx) => resolve(s, ctx, 'source', {}),
  // A timer that fires early (the quiet period was restarted since it was set) only re-arms.
  timer: (s, _e, ctx) =>
    s.quietAt !== undefined && ctx.now < s.quietAt ? stay(s, [{ type: 'setTimer', at: s.quietAt }]) : resolve(s, ctx, 'quiet', {}),
};

export const table: Record<IncidentStateName, Row> = {
  open: {
    ...live,
    ack: (s, e, ctx) => ({
      next: { ...s, state: 'acknowledged', since: ctx.now, ackedAt: ctx.now, ...(e.by ? { ackedBy: e.by } : {}) },
      effects: [
        { type: 'record', what: 'acknowledged', afterMs: ctx.now - s.openedAt, ...(e.by ? { detail: e.by } : {}) },
        { type: 'notify', action: 'acknowledge' },
      ],
    }),
  },
  acknowledged: live,
  resolved: {
    // A regression: the same fingerprint fires again after the incident was resolved.
    occurred: (s, e, ctx) => {
      const quietAt = ctx.now + ctx.quietMs;
      const next: IncidentState = {
        ...s,
        state: 'open',
        since: ctx.now,
        openedAt: ctx.now,
        reopened: s.reopened + 1,
        count: s.count + 1,
        lastSeen: Math.max(s.lastSeen, e.at),
        quietAt,
      };
      for (const k of ['ackedAt', 'ackedBy', 'resolvedAt', 'resolution', 'resolvedBy', 'cause', 'invalidReason'] as const) delete next[k];
      const afterMs = s.resolvedAt === undefined ? 0 : ctx.now - s.resolvedAt;
      return {
        next,
        effects: [
          { type: 'record', what: 'reopened', afterMs },
          { type: 'notify', action: 'trigger' },
          { type: 'setTimer', at: quietAt },
          { type: 'act' },
        ],
      };
    },
    // Judged not valid after it resolved itself: still counts against the rule, no one to tell.
    invalid: (s, e) =>
      s.resolution === 'invalid'
        ? stay(s)
        : stay({ ...s, resolution: 'invalid', invalidReason: e.reason, ...(e.by ? { resolvedBy: e.by } : {}) }, [
            { type: 'record', what: 'invalid', detail: e.reason },
          ]),
  },
};

/** Applies one event. Events without a row in the current state change nothing. */
export function transitionIncident(s: IncidentState, e: IncidentEvent, ctx: IncidentContext): IncidentTransition {
  const handler = table[s.state][e.type] as Handler<typeof e.type> | undefined;
  if (!handler) return stay(s);
  return handler(s, e as never, ctx);
}

/** True when `type` has a row in `state` (the API answers 409 for an ack of a resolved incident). */
export function acceptsIncident(state: IncidentStateName, type: IncidentEventType): boolean {
  return table[state][type] !== undefined;
}
