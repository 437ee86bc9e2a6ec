// The whole leadership loop, in one place a reviewer can check against the safety argument in
// docs/failover.md. It does no I/O of its own: time comes from an injected monotonic Clock,
// the coordinator and the side effects (promote/demote/pet) are injected, so tests drive it on
// a virtual clock against a fake coordinator.
//
// Invariants (numbered as in docs/failover.md):
//   S1 deadline = sentAt + ttl × (1 − drift) − margin, where sentAt is the monotonic time at
//      which an acknowledged keep-alive (or the winning campaign) was SENT. The server renewed
//      the lease after sentAt, for ttl of its own clock; so while local time < deadline the
//      lease is alive, even if this clock runs up to `drift` slower than the server's.
//   S2 assertLeader() passes only in promoting/leader, not suspect, before the deadline, and
//      only if the event loop has not stalled since the last pause-detector tick.
//   S3 demotion starts at deadline − stepDown when renewals fail, immediately on a lost lease;
//      its AbortSignal fires at the deadline, and the fence is never petted past the deadline.
//   S4 after an event-loop pause, nothing acts until a keep-alive sent after the pause is
//      acknowledged (a linearizable re-check of lease and record).
//   S5 the wall clock is never read.
//   S6 a won campaign is used only if the node is still healthy when the win arrives (health
//      lost while the campaign was in flight gives the term back unused, released).
//   S7 a campaign whose outcome is unknown (timed out, or failed after it may have committed)
//      is resolved by reading the record: a record carrying this node's campaign id is a term
//      it won without learning of it, never used, so it is released (resign), not left to
//      expire and be fenced; if it expired before it could be read, this node, winning later,
//      does not fence its own unused term.
import { randomUUID } from 'node:crypto';
import type { Clock, Timer } from './clock.ts';
import { FailoverError, NotLeaderError } from './errors.ts';
import {
  LeaseLostError,
  type Candidate,
  type ClusterView,
  type Coordinator,
  type PreviousTerm,
  type Term,
} from './coordinator/coordinator.ts';
import type { LeadershipTiming } from './timing.ts';

export type Role = 'stopped' | 'follower' | 'campaigning' | 'promoting' | 'leader' | 'demoting';
export type DemoteReason =
  | 'lease-lost'
  | 'renew-timeout'
  | 'unhealthy'
  | 'resource-failed'
  | 'promote-failed'
  | 'fence-hook-failed'
  | 'fenced'
  | 'switchover'
  | 'shutdown';

export type LeadershipEvent =
  | { type: 'campaign' }
  | { type: 'campaign-lost'; leader: string | null }
  | { type: 'campaign-failed'; error: string }
  /** S7: an unknown campaign outcome was read back: `won` if the record was this node's (then released unused). */
  | { type: 'campaign-resolved'; won: boolean; token: number | null; released: boolean }
  /** S6: the campaign was won while the node had turned unhealthy: the term was given back unused. */
  | { type: 'campaign-withdrawn'; token: number; why: string }
  /** S7: the previous term expired, but it was this node's own unused term: nothing to fence. */
  | { type: 'fence-skipped'; previous: PreviousTerm; why: string }
  | { type: 'elected'; token: number; ttlMs: number; previous: PreviousTerm | null }
  | { type: 'fence-hook'; previous: PreviousTerm }
  | { type: 'promoted'; token: number; tookMs: number }
  | { type: 'keepalive-failed'; error: string; deadlineInMs: number }
  | { type: 'pause'; gapMs: number; role: Role }
  | { type: 'recheck-ok'; token: number }
  | { type: 'demoting'; token: number; reason: DemoteReason; detail?: string; deadlineInMs: number }
  | { type: 'demoted'; token: number; reason: DemoteReason; tookMs: number; beforeDeadline: boolean }
  | { type: 'switchover-requested'; to: string }
  | { type: 'switchover-refused'; to: string; why: string }
  | { type: 'view'; leader: string | null; token: number | null };

export interface LeadershipHooks {
  /** A campaign is about to be sent: side-effect-free preparation for a promotion (never throws). */
  campaigning?(): void;
  /** Only when the previous lease expired instead of being released; must succeed before promote. */
  fencePrevious?(previous: PreviousTerm, term: Term, signal: AbortSignal): Promise<void>;
  /** Arm the fence and start the resources; `signal` aborts when demotion begins. */
  promote(term: Term, signal: AbortSignal): Promise<void>;
  /** Drop the VIP, stop the resources; must finish before `signal` aborts (the local deadline). */
  demote(term: Term, reason: DemoteReason, signal: AbortSignal): Promise<void>;
  /** After every confirmed renewal: the fence's new "valid until" (never past the deadline). */
  pet(validUntilMs: number): void;
}

export interface LeadershipOptions {
  candidate: Candidate;
  clock: Clock;
  coordinator: Coordinator;
  timing: LeadershipTiming;
  hooks: LeadershipHooks;
  /** Take over from a healthy leader of lower priority (off by default, as in VRRP's nopreempt). */
  preempt?: boolean;
  /** Live peers of higher priority (advisory, from heartbeats): each adds campaignStepMs of campaign delay. */
  higherPriorityPeers?: () => number;
  /** Whether `node` is known healthy (advisory); a switchover to a node known unhealthy is refused. */
  peerHealthy?: (node: string) => boolean | undefined;
  onEvent?: (event: LeadershipEvent) => void;
}

export interface LeadershipStatus {
  role: Role;
  node: string;
  token: number | null;
  leaseId: string | null;
  /** Time left before the local deadline, ms (null when not leading). */
  deadlineInMs: number | null;
  suspect: boolean;
  healthy: boolean;
  leader: { node: string; token: number } | null;
  switchover: { to: string } | null;
}

/** Never throws past the caller: leadership decisions must not crash the loop. */
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export class Leadership {
  readonly #o: LeadershipOptions;
  readonly #t: LeadershipTiming;
  #role: Role = 'stopped';
  #term: Term | null = null;
  /** S1: local deadline on the injected monotonic clock. */
  #deadline = -Infinity;
  /** S4: set by the pause detector; cleared by a keep-alive sent at or after `#suspectSince`. */
  #suspect = false;
  #suspectSince = 0;
  #healthy = false;
  #healthySince = 0;
  #holdoffUntil = -Infinity;
  /** When this node last saw the leader record disappear (local monotonic ms). */
  #leaderGoneAt = -Infinity;
  #view: ClusterView = { revision: 0, leader: null, switchover: null };
  #lastTick = 0;
  #promoteAbort: AbortController | null = null;
  #demoteAbort: AbortController | null = null;
  #demotion: Promise<void> | null = null;
  /** The demotion hook has returned: nothing of this term runs any more. */
  #demoted = false;
  #timers = new Map<string, Timer>();
  /** whenLeader() callers, woken when the term is re-confirmed or ends. */
  #leaderWaiters = new Set<() => void>();
  #unobserve: (() => void) | null = null;
  /** S7: this node's campaigns whose outcome is not known yet, with the local time each was sent. */
  #unresolved = new Map<string, number>();
  /** S7: ids of this node's campaigns that may have won but were never used (bounded: the latest few). */
  #unused: string[] = [];

  constructor(options: LeadershipOptions) {
    this.#o = options;
    this.#t = options.timing;
  }

  get role(): Role {
    return this.#role;
  }
  get term(): Term | null {
    return this.#term;
  }
  /** The local deadline (monotonic ms), -Infinity when not leading. */
  get deadline(): number {
    return this.#deadline;
  }

  /** S2: throws NotLeaderError unless this node may act as leader right now. */
  assertLeader(): void {
    const now = this.#o.clock.now();
    const gap = now - this.#lastTick;
    if (this.#role !== 'stopped' && gap > this.#t.pauseThresholdMs) this.#onPause(gap, now);
    const term = this.#term;
    if (!term || (this.#role !== 'promoting' && this.#role !== 'leader')) {
      throw new NotLeaderError(`node '${this.#o.candidate.node}' is ${this.#role}`, { role: this.#role });
    }
    if (this.#suspect) {
      throw new NotLeaderError(`an event-loop pause was detected; waiting for the lease to be re-confirmed (token ${term.token})`, {
        token: term.token,
      });
    }
    if (now >= this.#deadline) {
      throw new NotLeaderError(`the local lease deadline passed ${Math.round(now - this.#deadline)} ms ago (token ${term.token})`, {
        token: term.token,
      });
    }
  }

  /**
   * Resolves once assertLeader() passes again — after a pause made the term suspect, a keep-alive
   * sent after it was acknowledged — and rejects with NotLeaderError once that cannot happen any
   * more: the term is over or demoting, or `signal` aborted. A promotion interrupted by a pause
   * waits here instead of giving the term up (the deadline still bounds the wait: at
   * deadline − stepDown the term demotes).
   */
  whenLeader(signal: AbortSignal): Promise<void> {
    const term = this.#term;
    return new Promise<void>((resolve, reject) => {
      let timer: Timer | undefined;
      const done = () => {
        timer?.cancel();
        this.#leaderWaiters.delete(check);
      };
      const check = () => {
        if (signal.aborted || !term || this.#term !== term || (this.#role !== 'promoting' && this.#role !== 'leader')) {
          done();
          return reject(
            new NotLeaderError(
              `node '${this.#o.candidate.node}' is ${this.#role}; the term ${term ? `(token ${term.token}) ` : ''}will not be re-confirmed`,
            ),
          );
        }
        if (this.isLeader()) {
          done();
          return resolve();
        }
        timer = this.#o.clock.setTimeout(check, this.#t.pauseCheckMs);
      };
      this.#leaderWaiters.add(check); // woken at once by a re-check or a demotion
      check();
    });
  }

  #wakeLeaderWaiters(): void {
    for (const check of [...this.#leaderWaiters]) check();
  }

  /** Passes at once when assertLeader() does; after a pause, waits for the re-check (whenLeader). */
  async #confirmed(signal: AbortSignal): Promise<void> {
    if (!this.isLeader()) await this.whenLeader(signal);
  }

  /** True when assertLeader() would pass. */
  isLeader(): boolean {
    try {
      this.assertLeader();
      return true;
    } catch {
      return false;
    }
  }

  status(): LeadershipStatus {
    const now = this.#o.clock.now();
    const leading = this.#term !== null;
    return {
      role: this.#role,
      node: this.#o.candidate.node,
      token: this.#term?.token ?? null,
      leaseId: this.#term?.leaseId ?? null,
      deadlineInMs: leading ? Math.max(0, this.#deadline - now) : null,
      suspect: this.#suspect,
      healthy: this.#healthy,
      leader: this.#view.leader ? { node: this.#view.leader.node, token: this.#view.leader.token } : null,
      switchover: this.#view.switchover ? { to: this.#view.switchover.to } : null,
    };
  }

  start(): void {
    if (this.#role !== 'stopped') return;
    this.#role = 'follower';
    this.#lastTick = this.#o.clock.now();
    this.#unobserve = this.#o.coordinator.observe((view) => this.#onView(view));
    this.#tick();
    this.#readLoop();
  }

  /** Demotes cleanly (resigning the lease) if leading, then stops every timer. */
  async stop(): Promise<void> {
    if (this.#role === 'stopped') return;
    if (this.#role === 'promoting' || this.#role === 'leader') await this.#demote('shutdown');
    else if (this.#demotion) await this.#demotion;
    this.#role = 'stopped';
    for (const timer of this.#timers.values()) timer.cancel();
    this.#timers.clear();
    this.#unobserve?.();
    this.#unobserve = null;
  }

  /** Local health (rise/fall already applied by the caller): campaign only while healthy; a leader that turns unhealthy demotes. */
  setHealthy(healthy: boolean): void {
    if (healthy === this.#healthy) return;
    this.#healthy = healthy;
    this.#healthySince = this.#o.clock.now();
    if (!healthy && (this.#role === 'promoting' || this.#role === 'leader')) void this.#demote('unhealthy');
    else this.#consider();
  }

  /** Gives leadership up (a resource exhausted its failures, or an operator asked). */
  relinquish(reason: DemoteReason, detail?: string): Promise<void> {
    if (this.#role === 'promoting' || this.#role === 'leader') return this.#demote(reason, detail);
    return this.#demotion ?? Promise.resolve();
  }

  // --- timers -------------------------------------------------------------------------------

  #schedule(name: string, ms: number, fn: () => void): void {
    this.#timers.get(name)?.cancel();
    this.#timers.set(
      name,
      this.#o.clock.setTimeout(() => {
        this.#timers.delete(name);
        if (this.#role !== 'stopped') fn();
      }, ms),
    );
  }
  #cancel(name: string): void {
    this.#timers.get(name)?.cancel();
    this.#timers.delete(name);
  }

  /** The pause detector: a steady tick; a gap between ticks larger than the threshold is a pause. */
  #tick(): void {
    const now = this.#o.clock.now();
    const gap = now - this.#lastTick;
    if (gap > this.#t.pauseThresholdMs) this.#onPause(gap, now);
    this.#lastTick = now;
    this.#schedule('tick', this.#t.pauseCheckMs, () => this.#tick());
  }

  #onPause(gapMs: number, now: number): void {
    this.#lastTick = now;
    this.#o.onEvent?.({ type: 'pause', gapMs: Math.round(gapMs), role: this.#role });
    if (this.#role === 'promoting' || this.#role === 'leader') {
      this.#suspect = true;
      this.#suspectSince = now;
      this.#checkDeadline();
      if (this.#role === 'promoting' || this.#role === 'leader') void this.#keepAlive();
    } else if (this.#role === 'follower') {
      void this.#refresh();
    }
  }

  // --- following ----------------------------------------------------------------------------

  #readLoop(): void {
    if (this.#role === 'follower') void this.#refresh();
    this.#schedule('read', this.#t.readIntervalMs, () => this.#readLoop());
  }

  async #refresh(): Promise<void> {
    try {
      this.#onView(await this.#o.coordinator.read());
    } catch {
      // Unreachable coordinator: a follower simply cannot campaign; the next read retries.
    }
  }

  #onView(view: ClusterView): void {
    if (this.#role === 'stopped' || view.revision < this.#view.revision) return; // never step back to an older view
    const before = this.#view.leader;
    if (view.leader === null && (before !== null || this.#leaderGoneAt === -Infinity)) this.#leaderGoneAt = this.#o.clock.now();
    this.#view = view;
    this.#resolveCampaigns(view);
    if (before?.token !== view.leader?.token) {
      this.#o.onEvent?.({ type: 'view', leader: view.leader?.node ?? null, token: view.leader?.token ?? null });
    }
    const term = this.#term;
    if (term && (this.#role === 'promoting' || this.#role === 'leader')) {
      // Only a view at or after our own win can prove our record gone (an older one predates it).
      if (view.revision >= term.revision && view.leader?.token !== term.token) {
        const who = view.leader ? `${view.leader.node} (token ${view.leader.token})` : 'no leader';
        void this.#demote('lease-lost', `the coordinator now shows ${who}`);
        return;
      }
      const sw = view.switchover;
      if (sw && sw.to !== term.node && (sw.fromToken === undefined || sw.fromToken === term.token)) {
        const healthy = this.#o.peerHealthy?.(sw.to);
        if (healthy === false) {
          this.#o.onEvent?.({ type: 'switchover-refused', to: sw.to, why: 'the target is not healthy' });
          void this.#o.coordinator.clearSwitchover(term).catch(() => {});
        } else {
          this.#o.onEvent?.({ type: 'switchover-requested', to: sw.to });
          void this.#demote('switchover', `switchover to ${sw.to} requested by ${sw.requestedBy}`);
        }
        return;
      }
      if (sw && sw.to === term.node && this.#role === 'leader') void this.#o.coordinator.clearSwitchover(term).catch(() => {});
      if (sw && sw.to !== term.node && this.#role === 'leader' && sw.fromToken !== undefined && sw.fromToken !== term.token) {
        // Made against an earlier leader, and its target never took over: it must not reserve later elections.
        this.#o.onEvent?.({
          type: 'switchover-refused',
          to: sw.to,
          why: `stale: requested against token ${sw.fromToken}, and ${sw.to} did not take over`,
        });
        void this.#o.coordinator.clearSwitchover(term).catch(() => {});
      }
    }
    this.#consider();
  }

  /** Decides whether to campaign (after a priority delay) or to preempt. */
  #consider(): void {
    if (this.#role !== 'follower') return;
    const now = this.#o.clock.now();
    const me = this.#o.candidate;
    const { leader, switchover } = this.#view;
    if (!this.#healthy) {
      this.#cancel('campaign');
      return;
    }
    if (leader) {
      this.#cancel('campaign');
      const lower = leader.priority < me.priority && leader.node !== me.node;
      if (this.#o.preempt && lower && !switchover) {
        const wait = Math.max(0, this.#healthySince + this.#t.preemptDelayMs - now);
        this.#schedule('preempt', wait, () => this.#preempt());
      }
      return;
    }
    const mine = switchover?.to === me.node;
    // A switchover reserves the election for its target, but only for one TTL after the leader
    // record went away: a target that never shows up must not leave the cluster leaderless
    // until the request expires.
    const reserved = switchover && !mine ? Math.max(0, this.#leaderGoneAt + this.#t.ttlMs - now) : 0;
    const delay = mine ? 0 : Math.max(reserved, this.#holdoffUntil - now) + (this.#o.higherPriorityPeers?.() ?? 0) * this.#t.campaignStepMs;
    if (this.#timers.has('campaign')) return;
    this.#schedule('campaign', delay, () => void this.#campaign());
  }

  #preempt(): void {
    const leader = this.#view.leader;
    if (this.#role !== 'follower' || !this.#healthy || !leader || this.#view.switchover) return;
    if (leader.priority >= this.#o.candidate.priority) return;
    this.#o.onEvent?.({ type: 'switchover-requested', to: this.#o.candidate.node });
    void this.#o.coordinator
      .requestSwitchover(
        { to: this.#o.candidate.node, fromToken: leader.token, requestedBy: `${this.#o.candidate.node} (preempt)` },
        this.#t.ttlMs * 3,
      )
      .catch(() => {});
  }

  // --- campaigning and promotion ------------------------------------------------------------

  async #campaign(): Promise<void> {
    if (this.#role !== 'follower' || !this.#healthy || this.#view.leader) return;
    const sw = this.#view.switchover;
    if (sw && sw.to !== this.#o.candidate.node && this.#o.clock.now() < this.#leaderGoneAt + this.#t.ttlMs) return this.#consider();
    this.#role = 'campaigning';
    this.#o.onEvent?.({ type: 'campaign' });
    try {
      this.#o.hooks.campaigning?.();
    } catch {}
    const campaign = randomUUID();
    const sentAt = this.#o.clock.now();
    let result;
    try {
      // Bounded by half the TTL: a win that arrives later leaves too little of the lead window to
      // be worth using (S1 counts from sentAt), and a record won unknowingly then still has about
      // half a TTL to run, in which the read below can find and release it (S7).
      result = await this.#withTimeout(
        this.#o.coordinator.campaign({ ...this.#o.candidate, campaign }),
        this.#t.keepAliveTimeoutMs,
        'campaign',
      );
    } catch (err) {
      if (this.#role === 'campaigning') this.#role = 'follower';
      // S7: the outcome is unknown (the txn may have committed on the server): read it back.
      this.#unresolved.set(campaign, sentAt);
      this.#remember(campaign);
      this.#o.onEvent?.({ type: 'campaign-failed', error: message(err) });
      void this.#refresh();
      this.#schedule('campaign', this.#t.campaignRetryMs, () => void this.#campaign());
      return;
    }
    if (!result.won) {
      if (this.#role === 'campaigning') this.#role = 'follower';
      this.#o.onEvent?.({ type: 'campaign-lost', leader: result.view.leader?.node ?? null });
      this.#onView(result.view);
      return;
    }
    const term = result.term;
    if (this.#role !== 'campaigning') {
      // stop() ran while the campaign was in flight: give the lease back at once.
      await this.#release(term);
      return;
    }
    if (!this.#healthy) {
      // S6: health was lost while the campaign was in flight; the term is given back unused.
      this.#role = 'follower';
      this.#o.onEvent?.({
        type: 'campaign-withdrawn',
        token: term.token,
        why: 'the node turned unhealthy while the campaign was in flight',
      });
      await this.#release(term);
      void this.#refresh();
      return;
    }
    this.#term = term;
    this.#deadline = sentAt + term.ttlMs * (1 - this.#t.drift) - this.#t.marginMs; // S1
    this.#suspect = false;
    this.#role = 'promoting';
    this.#o.onEvent?.({ type: 'elected', token: term.token, ttlMs: term.ttlMs, previous: term.previous });
    this.#keepAliveLoop();
    this.#checkDeadline();
    if (this.#role !== 'promoting') return;
    this.#o.hooks.pet(this.#deadline);
    const abort = new AbortController();
    this.#promoteAbort = abort;
    const started = this.#o.clock.now();
    try {
      const previous = term.previous;
      const ownUnused = previous?.campaign !== undefined && this.#unused.includes(previous.campaign);
      if (previous?.expired && ownUnused) {
        this.#o.onEvent?.({
          type: 'fence-skipped',
          previous,
          why: 'the previous term was won by a campaign of this node whose outcome it never learned; it never acted',
        });
      } else if (previous?.expired && this.#o.hooks.fencePrevious) {
        this.#o.onEvent?.({ type: 'fence-hook', previous });
        await this.#confirmed(abort.signal);
        try {
          await this.#o.hooks.fencePrevious(previous, term, abort.signal);
        } catch (err) {
          if (this.#term === term) void this.#demote('fence-hook-failed', message(err));
          return;
        }
      }
      await this.#confirmed(abort.signal);
      await this.#o.hooks.promote(term, abort.signal);
    } catch (err) {
      if (this.#term === term && this.#role === 'promoting') void this.#demote('promote-failed', message(err));
      return;
    }
    if (this.#term === term && this.#role === 'promoting') {
      this.#role = 'leader';
      this.#o.onEvent?.({ type: 'promoted', token: term.token, tookMs: Math.round(this.#o.clock.now() - started) });
      if (this.#view.switchover?.to === term.node) void this.#o.coordinator.clearSwitchover(term).catch(() => {});
      else if (this.#view.switchover) this.#onView(this.#view);
    }
  }

  /** Gives a term back that was never used (resign, bounded); if that fails its lease expires, and S7 keeps us from fencing it. */
  async #release(term: Term): Promise<void> {
    if (term.campaign) this.#remember(term.campaign);
    await this.#withTimeout(this.#o.coordinator.resign(term), this.#t.keepAliveTimeoutMs, 'resign').catch(() => {});
  }

  #remember(campaign: string): void {
    if (!this.#unused.includes(campaign)) this.#unused.push(campaign);
    if (this.#unused.length > 16) this.#unused.shift();
  }

  /**
   * S7: a view showing a record with the id of a campaign whose outcome is unknown proves it
   * won: it is released unused. A view taken one TTL or more after such a campaign was sent
   * without its record proves it did not win, or that its lease already ran out unused (and
   * #unused keeps this node from fencing it). A timed-out request may still be applied later,
   * so a view taken sooner decides nothing.
   */
  #resolveCampaigns(view: ClusterView): void {
    const leader = view.leader;
    const now = this.#o.clock.now();
    for (const [campaign, sentAt] of this.#unresolved) {
      if (leader && leader.campaign === campaign) {
        this.#unresolved.delete(campaign);
        this.#o.onEvent?.({ type: 'campaign-resolved', won: true, token: leader.token, released: true });
        const term: Term = {
          node: leader.node,
          token: leader.token,
          leaseId: leader.leaseId,
          revision: leader.token,
          ttlMs: this.#t.ttlMs,
          previous: null,
          campaign,
        };
        void this.#release(term).then(() => this.#refresh());
      } else if (now - sentAt >= this.#t.ttlMs) {
        this.#unresolved.delete(campaign);
        this.#o.onEvent?.({ type: 'campaign-resolved', won: false, token: null, released: false });
      }
    }
  }

  // --- keeping the lease --------------------------------------------------------------------

  #keepAliveLoop(): void {
    if (!this.#term) return;
    void this.#keepAlive();
    this.#schedule('keepalive', this.#t.keepAliveIntervalMs, () => this.#keepAliveLoop());
  }

  async #keepAlive(): Promise<void> {
    const term = this.#term;
    if (!term) return;
    const sentAt = this.#o.clock.now();
    try {
      const ack = await this.#withTimeout(this.#o.coordinator.keepAlive(term), this.#t.keepAliveTimeoutMs, 'keep-alive');
      if (this.#term !== term) return;
      const deadline = sentAt + ack.ttlMs * (1 - this.#t.drift) - this.#t.marginMs; // S1
      if (deadline > this.#deadline) this.#deadline = deadline;
      if (this.#suspect && sentAt >= this.#suspectSince) {
        this.#suspect = false; // S4: confirmed by a round trip that began after the pause
        this.#o.onEvent?.({ type: 'recheck-ok', token: term.token });
        queueMicrotask(() => this.#wakeLeaderWaiters());
      }
      this.#checkDeadline();
      // S3: never past the deadline; and no pet once the demotion hook has finished (the fence is disarmed).
      const live = this.#deadline > this.#o.clock.now();
      if (
        live &&
        !this.#suspect &&
        (this.#role === 'promoting' || this.#role === 'leader' || (this.#role === 'demoting' && !this.#demoted))
      ) {
        this.#o.hooks.pet(this.#deadline);
      }
    } catch (err) {
      if (this.#term !== term) return;
      if (err instanceof LeaseLostError) {
        void this.#demote('lease-lost', err.message);
        return;
      }
      this.#o.onEvent?.({ type: 'keepalive-failed', error: message(err), deadlineInMs: Math.round(this.#deadline - this.#o.clock.now()) });
    }
  }

  /** S3: schedules the next deadline-driven step: stepping down, then aborting an overrunning demotion. */
  #checkDeadline(): void {
    if (!this.#term) return;
    const now = this.#o.clock.now();
    if (this.#role === 'promoting' || this.#role === 'leader') {
      const stepDownAt = this.#deadline - this.#t.stepDownMs;
      if (now >= stepDownAt) {
        void this.#demote(
          'renew-timeout',
          `no keep-alive acknowledged in time; ${Math.round(this.#deadline - now)} ms left before the deadline`,
        );
        return;
      }
      this.#schedule('deadline', stepDownAt - now, () => this.#checkDeadline());
    } else if (this.#role === 'demoting') {
      if (now >= this.#deadline) {
        this.#demoteAbort?.abort(new NotLeaderError('the local deadline was reached during demotion'));
        return;
      }
      this.#schedule('deadline', this.#deadline - now, () => this.#checkDeadline());
    }
  }

  // --- demotion -----------------------------------------------------------------------------

  #demote(reason: DemoteReason, detail?: string): Promise<void> {
    const term = this.#term;
    if (!term || (this.#role !== 'promoting' && this.#role !== 'leader')) return this.#demotion ?? Promise.resolve();
    this.#role = 'demoting';
    const started = this.#o.clock.now();
    this.#promoteAbort?.abort(new NotLeaderError(`demoting: ${reason}`));
    this.#promoteAbort = null;
    const abort = new AbortController();
    this.#demoteAbort = abort;
    this.#demoted = false;
    if (reason === 'lease-lost') this.#cancel('keepalive'); // nothing left to renew
    this.#o.onEvent?.({
      type: 'demoting',
      token: term.token,
      reason,
      ...(detail ? { detail } : {}),
      deadlineInMs: Math.round(this.#deadline - started),
    });
    this.#wakeLeaderWaiters();
    this.#checkDeadline();
    this.#demotion = (async () => {
      try {
        await this.#o.hooks.demote(term, reason, abort.signal);
      } catch {
        // The hook reports its own failures; the fence covers whatever it could not stop.
      }
      this.#demoted = true;
      const done = this.#o.clock.now();
      this.#o.onEvent?.({
        type: 'demoted',
        token: term.token,
        reason,
        tookMs: Math.round(done - started),
        beforeDeadline: done < this.#deadline,
      });
      this.#cancel('keepalive');
      this.#cancel('deadline');
      if (reason !== 'lease-lost') {
        await this.#withTimeout(this.#o.coordinator.resign(term), this.#t.keepAliveTimeoutMs, 'resign').catch(() => {});
      }
      this.#term = null;
      this.#deadline = -Infinity;
      this.#suspect = false;
      this.#demoteAbort = null;
      this.#demotion = null;
      this.#holdoffUntil = this.#o.clock.now() + (reason === 'switchover' ? 0 : this.#t.holdoffMs);
      if (this.#role === 'demoting') {
        this.#role = 'follower';
        void this.#refresh();
      }
    })();
    return this.#demotion;
  }

  #withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const late = () => new FailoverError('HOLDFAST_E_COORDINATOR_UNREACHABLE', `${what} timed out after ${Math.round(ms)} ms`);
      const timer = this.#o.clock.setTimeout(() => reject(late()), ms);
      promise.then(
        (v) => {
          timer.cancel();
          resolve(v);
        },
        (err: unknown) => {
          timer.cancel();
          reject(err instanceof Error ? err : new FailoverError('HOLDFAST_E_COORDINATOR', `${what} failed: ${String(err)}`));
        },
      );
    });
  }
}
