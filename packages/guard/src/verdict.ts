// What a checker answers on the hot path, as a number so nothing is allocated: PASS (or, for a
// throttling flow rule, the wait in ms before passing), BLOCKED, or PROBE (a breaker admits the
// call as a half-open probe). Every rule kind's checker speaks these.
export const PASS = 0;
export const BLOCKED = -1;
export const PROBE = 1;
