// The fence companion's decisions as a pure state machine: messages and time in, replies and
// "fire now" / "wake me at" out. The process shell (companion-main.ts) does the I/O.
//
//   idle ──arm(token > last)──► armed ──validUntil passed / agent gone / signal──► firing ──► fired
//     ▲                           │ pet(token): validUntil := min(pet, now + maxValid)            │
//     └────────disarm(token)──────┘                                                               │
//     └──────────────────────────────── arm(newer token) ◄────────────────────────────────────────┘
//
// Safety rules it enforces:
//   - tokens only go up: an arm or pet carrying an older token is refused (a stale agent);
//   - a pet can never extend validity past now + maxValidMs (the lease TTL), whatever it says;
//   - once fired for a token, pets for that token are answered "fired", never re-armed: the
//     agent learns it was fenced and must demote.
import type { AgentMessage, FenceMessage, FireReason, StepResult } from './protocol.ts';

export type FenceMode =
  | { mode: 'idle' }
  | { mode: 'armed'; token: number; validUntilMs: number }
  | { mode: 'firing'; token: number; reason: FireReason; disarmRequested: boolean }
  | { mode: 'fired'; token: number; reason: FireReason };

export interface Output {
  replies: FenceMessage[];
  /** Start tearing down the term with this token. */
  fire?: { token: number; reason: FireReason };
  /** When to call tick() next (monotonic ms); null = no timer needed. */
  wakeAtMs: number | null;
  /** The companion should exit once any firing has finished. */
  exit?: boolean;
}

export class FenceState {
  #s: FenceMode = { mode: 'idle' };
  #highestToken = 0;
  #maxValidMs: number;

  constructor(maxValidMs: number) {
    this.#maxValidMs = maxValidMs;
  }

  get state(): Readonly<FenceMode> {
    return this.#s;
  }

  setMaxValid(ms: number): void {
    this.#maxValidMs = ms;
  }

  onMessage(m: AgentMessage, now: number): Output {
    const s = this.#s;
    switch (m.t) {
      case 'configure':
        return this.#out([]);
      case 'arm': {
        if (m.token <= this.#highestToken)
          return this.#out([{ t: 'error', message: `arm refused: token ${m.token} is not above ${this.#highestToken} (a stale leader?)` }]);
        if (s.mode === 'armed' || s.mode === 'firing') {
          return this.#out([{ t: 'error', message: `arm refused: still ${s.mode} for token ${s.token}; disarm it first` }]);
        }
        this.#highestToken = m.token;
        this.#s = { mode: 'armed', token: m.token, validUntilMs: this.#clamp(m.validUntilMs, now) };
        return this.#check([{ t: 'armed', token: m.token }], now, 'late-arm');
      }
      case 'pet': {
        // 'fired' is sent when firing completes
        if ((s.mode === 'fired' || s.mode === 'firing') && m.token === s.token) return this.#out([]);
        if (s.mode !== 'armed' || m.token !== s.token)
          return this.#out([
            { t: 'error', message: `pet for token ${m.token} ignored: fence is ${s.mode}${'token' in s ? ` for token ${s.token}` : ''}` },
          ]);
        s.validUntilMs = this.#clamp(m.validUntilMs, now);
        return this.#check([], now, 'expired');
      }
      case 'disarm': {
        if (s.mode === 'armed' && s.token === m.token) {
          this.#s = { mode: 'idle' };
          return this.#out([{ t: 'disarmed', token: m.token }]);
        }
        if (s.mode === 'firing' && s.token === m.token) {
          s.disarmRequested = true; // answered when the teardown completes
          return this.#out([]);
        }
        if (s.mode === 'fired' && s.token === m.token) {
          this.#s = { mode: 'idle' };
          return this.#out([{ t: 'disarmed', token: m.token }]);
        }
        return this.#out([{ t: 'disarmed', token: m.token }]); // nothing armed for it: already disarmed
      }
      case 'close':
        return this.#gone(now, 'agent-gone', true);
    }
  }

  /** The agent's end of the pipe closed (it died, or exited without 'close'). */
  onAgentGone(now: number): Output {
    return this.#gone(now, 'agent-gone', true);
  }

  /** SIGTERM/SIGINT to the companion: tear down if armed, then exit. */
  onSignal(now: number): Output {
    return this.#gone(now, 'signalled', true);
  }

  tick(now: number): Output {
    return this.#check([], now, 'expired');
  }

  /** The teardown for `token` finished. */
  onFired(token: number, atMs: number, results: StepResult[]): Output {
    const s = this.#s;
    if (s.mode !== 'firing' || s.token !== token) return this.#out([]);
    const replies: FenceMessage[] = [{ t: 'fired', token, reason: s.reason, atMs, results }];
    if (s.disarmRequested) {
      this.#s = { mode: 'idle' };
      replies.push({ t: 'disarmed', token });
    } else {
      this.#s = { mode: 'fired', token, reason: s.reason };
    }
    return this.#out(replies);
  }

  #gone(_now: number, reason: FireReason, exit: boolean): Output {
    const s = this.#s;
    if (s.mode === 'armed') {
      this.#s = { mode: 'firing', token: s.token, reason, disarmRequested: false };
      return { replies: [], fire: { token: s.token, reason }, wakeAtMs: null, exit };
    }
    return { ...this.#out([]), exit };
  }

  #check(replies: FenceMessage[], now: number, reason: FireReason): Output {
    const s = this.#s;
    if (s.mode === 'armed' && now >= s.validUntilMs) {
      this.#s = { mode: 'firing', token: s.token, reason, disarmRequested: false };
      return { replies, fire: { token: s.token, reason }, wakeAtMs: null };
    }
    return this.#out(replies);
  }

  #out(replies: FenceMessage[]): Output {
    const s = this.#s;
    return { replies, wakeAtMs: s.mode === 'armed' ? s.validUntilMs : null };
  }

  #clamp(validUntilMs: number, now: number): number {
    return Math.min(validUntilMs, now + this.#maxValidMs);
  }
}
