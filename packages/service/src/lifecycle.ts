// The service lifecycle as a pure transition function. The shell (service.ts) feeds it events
// and reacts to the states it returns; nothing here does I/O or reads a clock.

export const LIFECYCLE_STATES = ['STARTING', 'READY', 'DEGRADED', 'DRAINING', 'CLOSING', 'STOPPED'] as const;
export type LifecycleState = (typeof LIFECYCLE_STATES)[number];

export type LifecycleEvent =
  /** Listening, and every critical check has passed once. */
  | 'started'
  /** A `degraded`-kind check failed: keep serving, stay in rotation. */
  | 'degraded'
  /** Every `degraded`-kind check passes again. */
  | 'recovered'
  /** Shutdown begins: go unready, keep serving for the shutdown delay. */
  | 'drain'
  /** Stop accepting connections; finish in-flight requests; run hooks. */
  | 'close'
  /** Everything is done. */
  | 'stopped';

const table: Record<LifecycleState, Partial<Record<LifecycleEvent, LifecycleState>>> = {
  STARTING: { started: 'READY', drain: 'DRAINING', stopped: 'STOPPED' },
  READY: { degraded: 'DEGRADED', drain: 'DRAINING' },
  DEGRADED: { recovered: 'READY', degraded: 'DEGRADED', drain: 'DRAINING' },
  DRAINING: { close: 'CLOSING' },
  CLOSING: { stopped: 'STOPPED' },
  STOPPED: {},
};

/** The next state, or undefined when `event` is not allowed in `state`. */
export function transition(state: LifecycleState, event: LifecycleEvent): LifecycleState | undefined {
  return table[state][event];
}

/** Whether a load balancer should send traffic (ignoring critical checks, which readiness adds). */
export function acceptsTraffic(state: LifecycleState): boolean {
  return state === 'READY' || state === 'DEGRADED';
}
