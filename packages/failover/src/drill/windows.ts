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
 * `demoting` (a leader waking from a pause past its deadline has acted no more since then), the
 * moment its agent was killed, and a `fence-fired` for its token.
 */
export function leadershipWindows(events: TimedEvent[], killed: Map<string, number> = new Map()): Window[] {
  const open = new Map<string, Window>();
  const done: Window[] = [];
  const close = (w: Window, at: number) => {
    w.end = Math.min(w.end, at);
  };
  for (const e of [...events].sort((a, b) => a.at - b.at)) {
    const w = open.get(e.node);
    if (e.type === 'elected' && e.token !== undefined) {
      if (w) done.push(w);
      const nw: Window = { node: e.node, token: e.token, start: e.at, end: Infinity };
      open.set(e.node, nw);
    } else if (w && e.type === 'demoting' && e.deadlineInMs !== undefined) {
      close(w, e.at + e.deadlineInMs);
    } else if (w && (e.type === 'demoted' || (e.type === 'fence-fired' && e.token === w.token))) {
      close(w, e.at);
      done.push(w);
      open.delete(e.node);
    }
  }
  for (const w of open.values()) done.push(w);
  for (const w of done) {
    const k = killed.get(w.node);
    if (k !== undefined && k >= w.start) close(w, k);
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

/** Tokens in order of election; true when each is above the one before. */
export function tokensIncrease(windows: Window[]): boolean {
  return windows.every((w, i) => i === 0 || w.token > windows[i - 1]!.token);
}
