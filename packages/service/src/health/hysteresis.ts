// Rise/fall hysteresis for health checks, as HAProxy does it: a check changes its verdict only
// after `rise` consecutive passes or `fall` consecutive failures, so one slow answer does not
// flap readiness. The first observation sets the verdict directly.

export type CheckStatus = 'pending' | 'pass' | 'fail';

export interface CheckVerdict {
  status: CheckStatus;
  /** Consecutive results that disagree with `status` (they accumulate toward a flip). */
  streak: number;
}

export function nextVerdict(prev: CheckVerdict, ok: boolean, rise: number, fall: number): CheckVerdict {
  if (prev.status === 'pending') return { status: ok ? 'pass' : 'fail', streak: 0 };
  const agrees = (prev.status === 'pass') === ok;
  if (agrees) return { status: prev.status, streak: 0 };
  const streak = prev.streak + 1;
  const needed = ok ? rise : fall;
  return streak >= needed ? { status: ok ? 'pass' : 'fail', streak: 0 } : { status: prev.status, streak };
}
