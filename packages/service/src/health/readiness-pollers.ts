// Who watches readiness. A load balancer that health-checks this instance polls /readyz at its
// own interval and stops sending traffic some time after it sees a failure; until then it keeps
// sending, and a listener closed at SIGTERM refuses what it sends. So the drain waits until each
// balancer that was watching has been answered 503 (the balancer's own `fall` count, default
// once), then a reaction margin, and only then closes. Nobody watching (a developer's Ctrl-C, a
// test) means no wait at all.
//
// A poller is a client address plus user agent. It watches when it has polled at least twice, its
// recent gaps are balancer-like (at most MAX_INTERVAL_MS), and it is not overdue (no poll for
// twice its longest recent gap plus a slack): a curl run by hand, or a balancer that has already
// dropped this instance, is not waited for.

/** Longer gaps than this are not a balancer's health check we can wait for within a drain. */
export const MAX_INTERVAL_MS = 5000;
/** Extra time past twice the longest gap before a poller counts as gone. */
export const OVERDUE_SLACK_MS = 100;
/** Recent gaps remembered per poller (their maximum is its interval). */
const GAPS = 4;
/** Pollers remembered; past this the longest-silent ones are forgotten. */
const LIMIT = 64;

interface Poller {
  lastAt: number;
  polls: number;
  gaps: number[];
  /** 503 answers since the drain began counting. */
  unready: number;
}

export interface PollerWait {
  /** Watchers at the start of the drain that were answered unready often enough. */
  saw: string[];
  /** Watchers that stopped polling before that. */
  gone: string[];
  /** Watchers still owed answers when the signal aborted. */
  pending: string[];
}

export class ReadinessPollers {
  readonly #now: () => number;
  readonly #pollers = new Map<string, Poller>();
  /** Watchers at the moment the drain began, and how many unready answers each needs. */
  #counting: { who: Set<string>; answers: number } | undefined;
  #changed: (() => void) | undefined;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** Records a readiness answer to `who`. */
  answered(who: string, ready: boolean): void {
    const now = this.#now();
    let p = this.#pollers.get(who);
    if (p === undefined) {
      if (this.#pollers.size >= LIMIT) this.#forgetOldest();
      p = { lastAt: now, polls: 0, gaps: [], unready: 0 };
      this.#pollers.set(who, p);
    } else {
      p.gaps.push(now - p.lastAt);
      if (p.gaps.length > GAPS) p.gaps.shift();
      p.lastAt = now;
    }
    p.polls++;
    if (!ready && this.#counting) p.unready++;
    this.#changed?.();
  }

  /** The pollers watching now. */
  watching(): string[] {
    const now = this.#now();
    return [...this.#pollers].filter(([, p]) => this.#isWatching(p, now)).map(([who]) => who);
  }

  /**
   * Waits until each of `watchers` (from watching()) has been answered unready `answers` times,
   * or has stopped polling, or `signal` aborts. Call it as readiness starts answering 503.
   */
  async seen(watchers: readonly string[], answers: number, signal: AbortSignal): Promise<PollerWait> {
    const who = new Set(watchers);
    for (const p of this.#pollers.values()) p.unready = 0;
    this.#counting = { who, answers };
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<PollerWait>((resolve) => {
        const check = () => {
          clearTimeout(timer);
          const { nextOverdueAt, ...s } = this.#status();
          if (s.pending.length === 0 || signal.aborted) return resolve(s);
          // Re-checked on every answer, and when the next pending poller would become overdue.
          timer = setTimeout(check, Math.max(1, nextOverdueAt - this.#now()));
        };
        this.#changed = check;
        signal.addEventListener('abort', check, { once: true });
        check();
      });
    } finally {
      clearTimeout(timer);
      this.#changed = undefined;
    }
  }

  #status(): PollerWait & { nextOverdueAt: number } {
    const now = this.#now();
    const out = { saw: [] as string[], gone: [] as string[], pending: [] as string[], nextOverdueAt: Infinity };
    const c = this.#counting;
    if (!c) return out;
    for (const who of c.who) {
      const p = this.#pollers.get(who);
      if (p && p.unready >= c.answers) out.saw.push(who);
      else if (!p || now > this.#overdueAt(p)) out.gone.push(who);
      else {
        out.pending.push(who);
        out.nextOverdueAt = Math.min(out.nextOverdueAt, this.#overdueAt(p) + 1);
      }
    }
    return out;
  }

  #isWatching(p: Poller, now: number): boolean {
    return p.polls >= 2 && Math.max(...p.gaps) <= MAX_INTERVAL_MS && now <= this.#overdueAt(p);
  }

  #overdueAt(p: Poller): number {
    return p.lastAt + 2 * Math.max(0, ...p.gaps) + OVERDUE_SLACK_MS;
  }

  #forgetOldest(): void {
    let oldest: [string, number] | undefined;
    for (const [who, p] of this.#pollers) if (!this.#counting?.who.has(who) && (!oldest || p.lastAt < oldest[1])) oldest = [who, p.lastAt];
    if (oldest) this.#pollers.delete(oldest[0]);
  }
}
