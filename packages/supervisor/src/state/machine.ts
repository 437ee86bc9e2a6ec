// The process state machine as a pure function: (state, event, context) → (next state, effects).
// Every legal move is a row of `table`; an event with no row in a state changes nothing (a stop
// of a stopped process, a late timer). No I/O, no clock reads: the runner feeds events, carries
// out the effects and passes the time in, so every path here is tested without a process.
import { backoffDelay } from './backoff.ts';
import {
  spawnErrorKind,
  type Effect,
  type ExitInfo,
  type ExitReason,
  type MachineContext,
  type ProcEvent,
  type ProcEventType,
  type ProcState,
  type ProcessStateName,
  type Transition,
} from './states.ts';

type Handler<E extends ProcEventType> = (s: ProcState, e: Extract<ProcEvent, { type: E }>, ctx: MachineContext) => Transition;
type Row = { [E in ProcEventType]?: Handler<E> };

const stay = (s: ProcState, effects: Effect[] = []): Transition => ({ next: s, effects });

function enter(s: ProcState, state: ProcessStateName, ctx: MachineContext, patch: Partial<ProcState> = {}): ProcState {
  const next: ProcState = { ...s, ...patch, state, since: ctx.now };
  // Fields that only mean something in one state do not leak into the next.
  if (state !== 'STOPPING') {
    delete next.stopReason;
    delete next.afterStop;
    delete next.killedAt;
    delete next.stoppedFrom;
  }
  if (state !== 'BACKOFF') delete next.retryAt;
  if (state !== 'FATAL') delete next.fatalReason;
  if (state !== 'STARTING' && state !== 'READY' && state !== 'STOPPING') delete next.pid;
  return next;
}

/** A start: a manual one wipes the failure counters (bypassing the retry limit). */
function beginStart(s: ProcState, ctx: MachineContext, manual: boolean, extra: Effect[] = []): Transition {
  const counters = manual ? { failedStarts: 0, crashStreak: 0 } : {};
  const next = enter(s, 'STARTING', ctx, { ...counters, startedAt: ctx.now });
  delete next.readyAt;
  const effects: Effect[] = [...extra, { type: 'spawn' }];
  if (ctx.policy.readyTimeoutMs !== undefined) effects.push({ type: 'setTimer', timer: 'ready', ms: ctx.policy.readyTimeoutMs });
  return { next, effects };
}

function beginStop(
  s: ProcState,
  ctx: MachineContext,
  reason: ExitReason,
  afterStop: 'stay-stopped' | 'start' | 'recover',
  extra: Effect[],
): Transition {
  const next = enter(s, 'STOPPING', ctx, { stopReason: reason, afterStop, stoppedFrom: s.state });
  const effects: Effect[] = [...extra];
  if (s.pid !== undefined) effects.push({ type: 'signal', signal: ctx.policy.stopSignal });
  effects.push({ type: 'setTimer', timer: 'stop', ms: ctx.policy.stopTimeoutMs });
  return { next, effects };
}

function exitInfo(e: Extract<ProcEvent, { type: 'exit' }>, ctx: MachineContext, fallback?: ExitReason): ExitInfo {
  const reason: ExitReason = e.oom ? 'oom' : e.heapLimit ? 'heap-limit' : (fallback ?? (e.signal ? 'signal' : 'exited'));
  return { code: e.code, signal: e.signal, reason, at: ctx.now, ...(reason === 'heap-limit' && e.detail ? { detail: e.detail } : {}) };
}

const isExpected = (x: ExitInfo, ctx: MachineContext) => x.reason === 'exited' && x.code !== null && ctx.policy.exitCodes.includes(x.code);

function describe(x: ExitInfo): string {
  if (x.reason === 'oom') return 'killed by the OOM killer (memory limit)';
  if (x.reason === 'heap-limit') return 'ran out of JavaScript heap (V8 aborted at its --max-old-space-size, inside the memory limit)';
  if (x.reason === 'exited') return `exited with code ${x.code}`;
  if (x.reason === 'signal') return `killed by ${x.signal}`;
  return x.detail ? `${x.reason}: ${x.detail}` : x.reason;
}

/** Schedules the next automatic start, immediately or after a backoff delay. */
function scheduleRestart(s: ProcState, ctx: MachineContext, patch: Partial<ProcState>, extra: Effect[]): Transition {
  const base = { ...s, ...patch, restarts: s.restarts + 1 };
  const delay = backoffDelay(base.crashStreak, ctx.policy.backoff, ctx.random);
  if (delay === 0) return beginStart(base, ctx, false, extra);
  const next = enter(base, 'BACKOFF', ctx, { retryAt: ctx.now + delay });
  return { next, effects: [...extra, { type: 'setTimer', timer: 'backoff', ms: delay }] };
}

/**
 * A spawn that failed for want of something that comes back (EAGAIN, EMFILE, ...): the program
 * never ran, so it is not failing and the retry limit does not apply: it waits (at least
 * initialMs, growing to maxMs: an immediate retry would meet the same exhausted table) and tries
 * again for as long as the shortage lasts. A FATAL here would leave the program down after the
 * machine recovered.
 */
function transientSpawnFailure(s: ProcState, ctx: MachineContext, last: ExitInfo, extra: Effect[]): Transition {
  const crashStreak = s.crashStreak + 1;
  const delay = backoffDelay(crashStreak, { ...ctx.policy.backoff, immediateFirst: false }, ctx.random);
  const next = enter({ ...s, lastExit: last, crashStreak, restarts: s.restarts + 1 }, 'BACKOFF', ctx, { retryAt: ctx.now + delay });
  return { next, effects: [...extra, { type: 'setTimer', timer: 'backoff', ms: delay }] };
}

/** The process ended before proving readiness (exit, or no proof in time). */
function failedStart(s: ProcState, ctx: MachineContext, last: ExitInfo, extra: Effect[]): Transition {
  const oomKills = s.oomKills + (last.reason === 'oom' ? 1 : 0);
  // A one-shot program that finished successfully is done, not failing.
  if (isExpected(last, ctx) && ctx.policy.autorestart !== 'always')
    return { next: enter(s, 'EXITED', ctx, { lastExit: last, oomKills }), effects: extra };
  const failedStarts = s.failedStarts + 1;
  if (failedStarts > ctx.policy.startRetries) {
    const fatalReason = `did not become ready in ${failedStarts} attempts in a row; last attempt ${describe(last)}`;
    return { next: enter(s, 'FATAL', ctx, { lastExit: last, oomKills, failedStarts, fatalReason }), effects: extra };
  }
  return scheduleRestart(s, ctx, { lastExit: last, oomKills, failedStarts, crashStreak: s.crashStreak + 1 }, extra);
}

/** The process ended after it was READY. */
function crashed(s: ProcState, ctx: MachineContext, last: ExitInfo, extra: Effect[]): Transition {
  const oomKills = s.oomKills + (last.reason === 'oom' ? 1 : 0);
  const { autorestart } = ctx.policy;
  const restart = autorestart === 'always' || (autorestart === 'on-failure' && !isExpected(last, ctx));
  if (!restart) return { next: enter(s, 'EXITED', ctx, { lastExit: last, oomKills }), effects: extra };
  const healthy = s.readyAt !== undefined && ctx.now - s.readyAt >= ctx.policy.backoff.resetAfterMs;
  return scheduleRestart(s, ctx, { lastExit: last, oomKills, failedStarts: 0, crashStreak: healthy ? 1 : s.crashStreak + 1 }, extra);
}

const startFromDown: Row = {
  start: (s, e, ctx) => beginStart(s, ctx, e.manual),
  restart: (s, _e, ctx) => beginStart(s, ctx, true),
};

export const table: Record<ProcessStateName, Row> = {
  STOPPED: startFromDown,
  EXITED: startFromDown,
  FATAL: startFromDown,
  BACKOFF: {
    start: (s, e, ctx) => beginStart(s, ctx, e.manual, [{ type: 'clearTimer', timer: 'backoff' }]),
    restart: (s, _e, ctx) => beginStart(s, ctx, true, [{ type: 'clearTimer', timer: 'backoff' }]),
    timer: (s, e, ctx) => (e.timer === 'backoff' ? beginStart(s, ctx, false) : stay(s)),
    stop: (s, _e, ctx) => ({ next: enter(s, 'STOPPED', ctx), effects: [{ type: 'clearTimer', timer: 'backoff' }] }),
  },
  STARTING: {
    spawned: (s, e) => stay({ ...s, pid: e.pid }, [{ type: 'watchReady' }]),
    spawnFailed: (s, e, ctx) => {
      const lastExit: ExitInfo = { code: null, signal: null, reason: 'spawn-error', at: ctx.now, detail: e.error };
      const clear: Effect[] = [{ type: 'clearTimer', timer: 'ready' }];
      if (spawnErrorKind(e.code) === 'retry') return transientSpawnFailure(s, ctx, lastExit, clear);
      // Retrying cannot help a missing binary or a bad cwd: straight to FATAL, no restart loop.
      return { next: enter(s, 'FATAL', ctx, { lastExit, fatalReason: `could not start: ${e.error}` }), effects: clear };
    },
    ready: (s, _e, ctx) => ({
      next: enter(s, 'READY', ctx, { readyAt: ctx.now, failedStarts: 0 }),
      effects: [{ type: 'unwatchReady' }, { type: 'clearTimer', timer: 'ready' }, { type: 'watchHealth' }],
    }),
    exit: (s, e, ctx) => failedStart(s, ctx, exitInfo(e, ctx), [{ type: 'unwatchReady' }, { type: 'clearTimer', timer: 'ready' }]),
    timer: (s, e, ctx) => (e.timer === 'ready' ? beginStop(s, ctx, 'ready-timeout', 'recover', [{ type: 'unwatchReady' }]) : stay(s)),
    stop: (s, _e, ctx) => beginStop(s, ctx, 'stopped', 'stay-stopped', [{ type: 'unwatchReady' }, { type: 'clearTimer', timer: 'ready' }]),
    restart: (s, _e, ctx) => beginStop(s, ctx, 'stopped', 'start', [{ type: 'unwatchReady' }, { type: 'clearTimer', timer: 'ready' }]),
    unhealthy: (s, e, ctx) => beginStop(s, ctx, e.reason, 'recover', [{ type: 'unwatchReady' }, { type: 'clearTimer', timer: 'ready' }]),
  },
  READY: {
    exit: (s, e, ctx) => crashed(s, ctx, exitInfo(e, ctx), [{ type: 'unwatchHealth' }]),
    stop: (s, _e, ctx) => beginStop(s, ctx, 'stopped', 'stay-stopped', [{ type: 'unwatchHealth' }]),
    restart: (s, _e, ctx) => beginStop(s, ctx, 'stopped', 'start', [{ type: 'unwatchHealth' }]),
    unhealthy: (s, e, ctx) => beginStop(s, ctx, e.reason, 'recover', [{ type: 'unwatchHealth' }]),
  },
  STOPPING: {
    // A spawn still under way when the stop came: signal it as soon as it has a pid.
    spawned: (s, e, ctx) => stay({ ...s, pid: e.pid }, [{ type: 'signal', signal: ctx.policy.stopSignal }]),
    spawnFailed: (s, e, ctx) => ({
      next: enter(s, 'STOPPED', ctx, { lastExit: { code: null, signal: null, reason: 'spawn-error', at: ctx.now, detail: e.error } }),
      effects: [{ type: 'clearTimer', timer: 'stop' }],
    }),
    timer: (s, e, ctx) =>
      e.timer === 'stop' && s.killedAt === undefined ? stay({ ...s, killedAt: ctx.now }, [{ type: 'kill' }]) : stay(s),
    stop: (s) => stay({ ...s, afterStop: 'stay-stopped' }),
    start: (s) => stay({ ...s, afterStop: 'start' }),
    restart: (s) => stay({ ...s, afterStop: 'start' }),
    exit: (s, e, ctx) => {
      const clear: Effect[] = [{ type: 'clearTimer', timer: 'stop' }];
      const reason = s.stopReason ?? 'stopped';
      const forced = s.killedAt !== undefined;
      if (s.afterStop === 'recover') {
        // The process was unhealthy: count it as a failure of the phase it was stopped in.
        const last: ExitInfo = { ...exitInfo(e, ctx, reason), ...(e.oom ? {} : { reason }) };
        return s.stoppedFrom === 'READY' ? crashed(s, ctx, last, clear) : failedStart(s, ctx, last, clear);
      }
      const last: ExitInfo = e.oom
        ? exitInfo(e, ctx)
        : { code: e.code, signal: e.signal, reason: forced ? 'stop-timeout' : 'stopped', at: ctx.now };
      const patch = { lastExit: last, oomKills: s.oomKills + (e.oom ? 1 : 0) };
      if (s.afterStop === 'start') return beginStart({ ...s, ...patch, restarts: s.restarts + 1 }, ctx, true, clear);
      return { next: enter(s, 'STOPPED', ctx, patch), effects: clear };
    },
  },
};

/** Applies one event. Events without a row in the current state change nothing. */
export function transition(s: ProcState, e: ProcEvent, ctx: MachineContext): Transition {
  const handler = table[s.state][e.type] as Handler<typeof e.type> | undefined;
  if (!handler) return stay(s);
  return handler(s, e as never, ctx);
}

/** True when `e` has a row in `state` (the API answers 409 for a start of a running program, etc.). */
export function accepts(state: ProcessStateName, type: ProcEventType): boolean {
  return table[state][type] !== undefined;
}
