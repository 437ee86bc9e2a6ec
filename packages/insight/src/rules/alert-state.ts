// The life of one alert (one label set of an alerting rule) as a pure transition function, the
// way Prometheus 2.42's AlertingRule.Eval moves it: a result makes it pending (activeAt = now);
// pending for `for` makes it firing; no result drops a pending alert and resolves a firing one,
// unless keep_firing_for holds it. The evaluator feeds one event per evaluation and collects the
// effects as the alert timeline.

export type AlertStateName = 'pending' | 'firing' | 'inactive';

export interface AlertState {
  state: AlertStateName;
  activeAt: number;
  firedAt?: number;
  resolvedAt?: number;
  /** While firing with no result under keep_firing_for: since when. */
  keepFiringSince?: number;
  value: number;
}

export type AlertEvent = { type: 'present'; value: number } | { type: 'absent' };

export type AlertEffect =
  | { type: 'pending'; at: number }
  | { type: 'firing'; at: number; activeAt: number }
  | { type: 'resolved'; at: number; firedAt: number }
  | { type: 'dropped'; at: number };

export interface AlertPolicy {
  /** The rule's `for:` in ms. */
  holdMs: number;
  /** The rule's `keep_firing_for:` in ms. */
  keepFiringForMs: number;
}

export interface AlertTransition {
  /** undefined: the alert is forgotten (a pending alert without a result). */
  next: AlertState | undefined;
  effects: AlertEffect[];
}

export function stepAlert(prev: AlertState | undefined, event: AlertEvent, now: number, policy: AlertPolicy): AlertTransition {
  const effects: AlertEffect[] = [];
  let s: AlertState | undefined;
  if (event.type === 'present') {
    s = prev && prev.state !== 'inactive' ? { ...prev, value: event.value } : { state: 'pending', activeAt: now, value: event.value };
    delete s.keepFiringSince;
    if (s.state === 'pending' && (!prev || prev.state === 'inactive')) effects.push({ type: 'pending', at: now });
  } else {
    if (!prev || prev.state === 'inactive') return { next: prev, effects };
    if (prev.state === 'pending') return { next: undefined, effects: [{ type: 'dropped', at: now }] };
    const since = prev.keepFiringSince ?? now;
    if (policy.keepFiringForMs > 0 && now - since < policy.keepFiringForMs) return { next: { ...prev, keepFiringSince: since }, effects };
    return {
      next: { ...prev, state: 'inactive', resolvedAt: now },
      effects: [{ type: 'resolved', at: now, firedAt: prev.firedAt ?? prev.activeAt }],
    };
  }
  if (s.state === 'pending' && now - s.activeAt >= policy.holdMs) {
    s = { ...s, state: 'firing', firedAt: now };
    effects.push({ type: 'firing', at: now, activeAt: s.activeAt });
  }
  return { next: s, effects };
}
