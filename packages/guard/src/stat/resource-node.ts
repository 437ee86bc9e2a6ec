// Everything the guard knows about one resource: the sliding window flow rules read, the
// in-flight count, lifetime counters for exporters, and the compiled rules that apply to it.
import { BLOCK_REASONS } from '../block-reason.ts';
import { RtHistogram } from './rt-histogram.ts';
import { SlidingWindow } from './sliding-window.ts';

/** The window every resource keeps (flow rules of the same shape read it instead of their own). */
export const NODE_INTERVAL_MS = 1000;
export const NODE_BUCKETS = 10;

/** Event slots of a resource window. */
export const EV_PASS = 0;
export const EV_BLOCK = 1;
export const EV_SUCCESS = 2;
export const EV_ERROR = 3;
export const EV_RT_SUM = 4;
const WIDTH = 5;

export class ResourceNode<R = unknown> {
  readonly name: string;
  readonly window: SlidingWindow;
  /** Calls admitted and not yet exited. */
  inflight = 0;
  /** The compiled rules for this resource; swapped as one reference when rules change. */
  rules: R;
  // Lifetime counters (never reset): what exporters read.
  passTotal = 0;
  successTotal = 0;
  errorTotal = 0;
  /** Entries that were admitted and then cancelled (e.g. aborted while queued). */
  cancelTotal = 0;
  readonly blockTotal = new Float64Array(BLOCK_REASONS.length);
  readonly wouldBlockTotal = new Float64Array(BLOCK_REASONS.length);
  readonly rt = new RtHistogram();

  constructor(name: string, rules: R) {
    this.name = name;
    this.rules = rules;
    this.window = new SlidingWindow(NODE_INTERVAL_MS, NODE_BUCKETS, WIDTH);
  }

  onPass(now: number, batch: number): void {
    this.inflight++;
    this.passTotal += batch;
    this.window.add(now, EV_PASS, batch);
  }

  onBlock(now: number, reason: number, batch: number): void {
    this.blockTotal[reason]! += batch;
    this.window.add(now, EV_BLOCK, batch);
  }

  onComplete(now: number, rt: number, error: boolean, batch: number): void {
    this.inflight--;
    if (error) this.errorTotal += batch;
    else this.successTotal += batch;
    this.window.add2(now, error ? EV_ERROR : EV_SUCCESS, batch, EV_RT_SUM, rt);
    this.rt.observe(rt);
  }

  onCancel(): void {
    this.inflight--;
    this.cancelTotal++;
  }

  /** Passes per second over the window. */
  passQps(now: number): number {
    return (this.window.sum(now, EV_PASS) * 1000) / this.window.intervalMs;
  }
}
