// Leadership windows from the agents' events, and the checks on them: no two nodes acting as
// leader at once, tokens strictly increasing. Times are CLOCK_MONOTONIC ms (the event's own
// `mono` when the agent gives one, else when the drill received the line).
export interface TimedEvent {
  node: string;
  at: number;
  type: string;
  token?: number;
  deadlineInMs?: number;
}

export interface Window {
  node: string;
  token: number;
  start: number;
  /** Infinity while still leader at the end of the drill. */
  end: number;
}

/**
 * A window opens at `elected` and closes at the earliest of: `demoted`, the deadline announced by
 * `demoting` (a leader waking from a pause past its deadline has not acted since that deadline:
 * assertLeader() refuses after it), and the moment its agent was killed. A `fence-fired` does not
 * close it by itself: the agent learns of it late (it was frozen) and reports its deadline then.
 */
export function leadershipWindows(events: TimedEvent[], killed: Map<string, number> = new Map()): Window[] {
  const open = new Map<string, Window>();
  const done: Window[] = [];
  for (const e of [...events].sort((a, b) => a.at - b.at)) {
    const w = open.get(e.node);
    if (e.type === 'elected' && e.token !== undefined) {
      if (w) done.push(w);
      open.set(e.node, { node: e.node, token: e.token, start: e.at, end: Infinity });
    } else if (w && e.type === 'demoting' && e.deadlineInMs !== undefined) {
      w.end = Math.min(w.end, e.at + e.deadlineInMs);
    } else if (w && e.type === 'demoted') {
      w.end = Math.min(w.end, e.at);
      done.push(w);
      open.delete(e.node);
    }
  }
  done.push(...open.values());
  for (const w of done) {
    const k = killed.get(w.node);
    if (k !== undefined && k >= w.start) w.end = Math.min(w.end, k);
  }
  return done.sort((a, b) => a.start - b.start);
}

/** Pairs of windows of different nodes that intersect. */
export function overlappingWindows(windows: Window[]): Array<[Window, Window]> {
  const out: Array<[Window, Window]> = [];
  for (let i = 0; i < windows.length; i++) {
    for (let j = i + 1; j < windows.length; j++) {
      const a = windows[i]!;
      const b = windows[j]!;
      if (a.node !== b.node && a.start < b.end && b.start < a.end) out.push([a, b]);
    }
  }
  return out;
}

/** Total time during which two windows of different nodes intersect, ms. */
export function overlapMs(windows: Window[]): number {
  return overlappingWindows(windows).reduce((sum, [a, b]) => sum + Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start)), 0);
}

/** Tokens in order of election; true when each is above the one before. */
export function tokensIncrease(windows: Window[]): boolean {
  return windows.every((w, i) => i === 0 || w.token > windows[i - 1]!.token);
}
