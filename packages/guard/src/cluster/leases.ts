// Leased permits of one cluster rule, per slot (a flow rule has one slot; a per-key rule one per
// key, the slots of its KeyTable), on typed arrays so the hot path allocates nothing.
//
// The store keeps one counter per window (aligned to the store's clock) holding `limit`
// permits. A replica takes them in small batches and spends them in-process; it asks for the
// next batch when half of the current one is left, so a request waits for the network only
// when its replica runs dry faster than a round trip. A batch lasts about `leaseTargetMs` at the
// replica's own rate (never less than 4 round trips, never more than an even share), so a
// busy replica takes big batches, a quiet one small ones, and the permits a window leaves
// leased but unspent are at most about one small batch per replica.
//
// A window's first pass does not wait: it is admitted provisionally and reported with the
// request it triggers, so it is counted against the limit all the same. The price is a bound:
// when replicas race for a counter that is already spent, each may admit one pass too many per
// window.
//
// Permits are only spent before the window they were leased from ends. The end is taken as the
// request's send time plus what the store said was left, never later than the true end.
import { BLOCKED, PASS } from '../verdict.ts';
import type { ClusterLink, LeaseSink } from './link.ts';
import type { LeaseGrant } from './store.ts';

const FROM_LEASE = 0;
const PROVISIONAL = 1;
/** Weight of a new window in the share average. */
const SHARE_ALPHA = 0.3;

export class LeaseTable implements LeaseSink {
  readonly ruleKey: string;
  readonly windowMs: number;
  private readonly link: ClusterLink;
  readonly permits: Float64Array;
  private readonly leaseEnd: Float64Array;
  private readonly provisionalEnd: Float64Array;
  private readonly unreported: Float64Array;
  private readonly fetching: Uint8Array;
  private readonly gen: Uint32Array;
  private readonly limit: Float64Array;
  private readonly demand: Float64Array;
  private readonly demandSince: Float64Array;
  private readonly rate: Float64Array;
  private readonly window: Float64Array;
  private readonly leasedInWindow: Float64Array;
  /** This replica's share of the counter, averaged over windows; NaN while unknown. */
  private readonly share: Float64Array;
  private readonly keys: string[];
  /** The store's window boundaries, as an offset on the local clock (NaN until a grant tells). */
  private phase = NaN;
  private pendingSource = FROM_LEASE;

  constructor(ruleKey: string, windowMs: number, slots: number, link: ClusterLink) {
    this.ruleKey = ruleKey;
    this.windowMs = windowMs;
    this.link = link;
    this.permits = new Float64Array(slots);
    this.leaseEnd = new Float64Array(slots);
    this.provisionalEnd = new Float64Array(slots);
    this.unreported = new Float64Array(slots);
    this.fetching = new Uint8Array(slots);
    this.gen = new Uint32Array(slots);
    this.limit = new Float64Array(slots);
    this.demand = new Float64Array(slots);
    this.demandSince = new Float64Array(slots);
    this.rate = new Float64Array(slots);
    this.window = new Float64Array(slots);
    this.leasedInWindow = new Float64Array(slots);
    this.share = new Float64Array(slots).fill(NaN);
    this.keys = new Array<string>(slots).fill(ruleKey);
  }

  /** A slot taken by a new key: forget what the previous key had (its late grants are ignored). */
  reset(slot: number, key: string, now: number): void {
    this.gen[slot]!++;
    this.keys[slot] = `${this.ruleKey}\u0000${key}`;
    this.permits[slot] = 0;
    this.leaseEnd[slot] = 0;
    this.provisionalEnd[slot] = 0;
    this.unreported[slot] = 0;
    this.fetching[slot] = 0;
    this.demand[slot] = 0;
    this.demandSince[slot] = now;
    this.rate[slot] = 0;
    this.window[slot] = 0;
    this.leasedInWindow[slot] = 0;
    this.share[slot] = NaN;
  }

  /**
   * Back from fallback: the passes admitted locally during the current window (`used`) are
   * reported with the next request, and nothing is admitted provisionally before it, so the
   * store's fresh counter does not hand out a window that was partly spent already.
   */
  resume(slot: number, now: number, used: number): void {
    this.unreported[slot] = Math.ceil(used);
    this.permits[slot] = 0;
    this.provisionalEnd[slot] = this.windowEnd(now);
  }

  /** PASS or BLOCKED for `batch` passes of `slot` at `limit` per window. Asks for permits when dry. */
  check(slot: number, now: number, batch: number, limit: number): number {
    this.limit[slot] = limit;
    if (this.demandSince[slot]! === 0) this.demandSince[slot] = now - 1;
    this.demand[slot]! += batch;
    if (now < this.leaseEnd[slot]! && this.permits[slot]! >= batch) {
      this.pendingSource = FROM_LEASE;
      return PASS;
    }
    if (now >= this.provisionalEnd[slot]! && batch <= Math.max(1, limit)) {
      this.pendingSource = PROVISIONAL;
      return PASS;
    }
    if (this.fetching[slot] === 0) this.ask(slot, now);
    return BLOCKED;
  }

  /** Spends what the last check() found, and asks for more when half of a batch is left. */
  commit(slot: number, now: number, batch: number): void {
    if (this.pendingSource === FROM_LEASE) this.permits[slot]! -= batch;
    else {
      this.unreported[slot]! += batch;
      this.provisionalEnd[slot] = this.windowEnd(now);
      this.permits[slot] = 0;
    }
    if (this.fetching[slot] === 0 && (now >= this.leaseEnd[slot]! || this.permits[slot]! * 2 < this.want(slot, now, false)))
      this.ask(slot, now);
  }

  /** When a rejected pass could expect permits again. */
  retryAfterMs(slot: number, now: number): number {
    return this.fetching[slot] === 1 ? Math.ceil(this.link.rttMs) : Math.max(1, this.windowEnd(now) - now);
  }

  /** Permits to ask for: about leaseTargetMs of this slot's demand, from 1 up to an even share of the limit. */
  private want(slot: number, now: number, sample: boolean): number {
    const elapsed = now - this.demandSince[slot]!;
    let rate = this.rate[slot]!;
    if (sample) {
      const fresh = this.demand[slot]! / Math.max(1, elapsed);
      rate = this.rate[slot] = rate === 0 ? fresh : rate + (fresh - rate) * 0.5;
      this.demand[slot] = 0;
      this.demandSince[slot] = now;
    }
    const horizon = Math.max(this.link.leaseTargetMs, 4 * this.link.rttMs);
    const max = Math.max(1, Math.ceil(this.limit[slot]! / this.link.liveReplicas()));
    return Math.min(max, Math.max(1, Math.ceil(rate * horizon)));
  }

  private ask(slot: number, now: number): void {
    this.fetching[slot] = 1;
    const used = this.unreported[slot]!;
    this.unreported[slot] = 0;
    this.link.request(this, slot, this.gen[slot]!, {
      key: this.keys[slot]!,
      limit: this.limit[slot]!,
      windowMs: this.windowMs,
      want: this.want(slot, now, true),
      used,
    });
  }

  /** The store's answer to a request sent at `sentAt`. */
  granted(slot: number, gen: number, g: LeaseGrant, sentAt: number, now: number): void {
    if (gen !== this.gen[slot]) return;
    this.fetching[slot] = 0;
    const end = sentAt + g.msLeft;
    this.phase = end % this.windowMs;
    const sameWindow = g.window === this.window[slot] && now < this.leaseEnd[slot]!;
    this.permits[slot] = (sameWindow ? this.permits[slot]! : 0) + g.granted;
    this.leaseEnd[slot] = end;
    if (now < end) this.provisionalEnd[slot] = end;
    const w = this.window[slot]!;
    if (g.window !== w) {
      if (w > 0 && g.previousTotal > 0) {
        const sample = g.window === w + 1 ? Math.min(1, this.leasedInWindow[slot]! / g.previousTotal) : 0;
        const s = this.share[slot]!;
        this.share[slot] = Number.isNaN(s) ? sample : s + (sample - s) * SHARE_ALPHA;
      }
      this.window[slot] = g.window;
      this.leasedInWindow[slot] = 0;
    }
    this.leasedInWindow[slot]! += g.granted;
  }

  /** The request failed: the slot may ask again (in fallback mode it will not need to). */
  failed(slot: number, gen: number): void {
    if (gen === this.gen[slot]) this.fetching[slot] = 0;
  }

  /** This replica's share of the slot's counter over the last windows, or NaN when unknown. */
  shareOf(slot: number): number {
    return this.share[slot]!;
  }

  /** The end of the store's window holding `now`, on the local clock (local windows before the first grant). */
  private windowEnd(now: number): number {
    const phase = Number.isNaN(this.phase) ? 0 : this.phase;
    return now + this.windowMs - ((((now - phase) % this.windowMs) + this.windowMs) % this.windowMs);
  }
}
