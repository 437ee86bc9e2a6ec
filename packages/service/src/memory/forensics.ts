// The memory shell of a service: GC pause histogram, post-GC heap trend with a `leak_suspected`
// event, and heap captures on demand (admin endpoint, signal), each captured safely.
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { Gauge, Histogram, type Registry } from 'prom-client';
import { HeapCapturer, type CaptureResult } from './capture.ts';
import { watchGc } from './gc-watch.ts';
import { availableMemory } from './headroom.ts';
import { HeapTrend, type TrendVerdict } from './heap-trend.ts';
import type { MemoryOptions } from './options.ts';

export interface MemoryEvents {
  leak_suspected: [verdict: TrendVerdict];
  leak_cleared: [verdict: TrendVerdict];
  capture: [result: CaptureResult];
}

export interface MemoryApi extends EventEmitter<MemoryEvents> {
  /** The detector's current view of the post-GC heap. */
  verdict(): TrendVerdict;
  /** A heap snapshot if headroom allows, else a sampling heap profile; rejects during the cooldown or without a directory. */
  capture(reason?: string): Promise<CaptureResult>;
}

export class MemoryForensics extends EventEmitter<MemoryEvents> implements MemoryApi {
  readonly #o: MemoryOptions;
  readonly #log: Logger;
  readonly #trend: HeapTrend;
  readonly #capturer: HeapCapturer;
  readonly #pause: Histogram<'kind'> | undefined;
  #suspected = false;
  #stopWatch: (() => void) | undefined;
  #signalHandler: (() => void) | undefined;

  constructor(o: MemoryOptions, ctx: { logger: Logger; registry: Registry | undefined; serviceName: string }) {
    super();
    this.#o = o;
    this.#log = ctx.logger;
    this.#trend = new HeapTrend({
      windowMs: o.windowMs,
      minSlopeBytesPerSecond: o.minSlopeBytesPerSecond,
      minGrowthBytes: o.minGrowthBytes,
      minFit: o.minFit,
    });
    this.#capturer = new HeapCapturer({
      dir: o.dir,
      cooldownMs: o.cooldownMs,
      headroomRatio: o.headroomRatio,
      samplingMs: o.samplingMs,
      availableMemory: (o.availableMemory as (() => number) | undefined) ?? (() => availableMemory()),
      serviceName: ctx.serviceName,
    });
    const registers = ctx.registry ? [ctx.registry] : [];
    if (o.enabled && registers.length) {
      this.#pause = new Histogram({
        name: 'holdfast_gc_pause_seconds',
        help: 'GC pauses by kind (minor, major, incremental, weakcb)',
        labelNames: ['kind'],
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
        registers,
      });
      // Each read at scrape time.
      const gauge = (name: string, help: string, read: () => number) =>
        new Gauge({
          name,
          help,
          registers,
          collect() {
            this.set(read());
          },
        });
      gauge(
        'holdfast_heap_growth_bytes_per_second',
        'Slope of the post-GC heap floor over the detection window',
        () => this.#trend.verdict().slopeBytesPerSecond,
      );
      gauge('holdfast_heap_leak_suspected', '1 while the post-GC heap grows steadily past the thresholds (a leak is suspected)', () =>
        this.#suspected ? 1 : 0,
      );
      gauge(
        'holdfast_heap_post_gc_bytes',
        'Heap in use right after the latest garbage collection',
        () => this.#trend.verdict().lastHeapBytes,
      );
    }
  }

  verdict(): TrendVerdict {
    return this.#trend.verdict();
  }

  async capture(reason = 'on demand'): Promise<CaptureResult> {
    const result = await this.#capturer.capture(reason);
    this.#log.warn(
      { capture: result },
      `heap ${result.kind === 'snapshot' ? 'snapshot' : 'sampling profile'} written ` +
        `to ${result.file}${result.refused ? ` (${result.refused})` : ''}`,
    );
    this.emit('capture', result);
    return result;
  }

  start(): void {
    const o = this.#o;
    if (o.enabled && !this.#stopWatch) {
      this.#stopWatch = watchGc(
        (kind, seconds) => this.#pause?.labels(kind).observe(seconds),
        (t, bytes) => {
          this.#trend.add(t, bytes);
          this.#evaluate();
        },
      );
    }
    if (o.signal && !this.#signalHandler) {
      const signal = o.signal;
      this.#signalHandler = () => {
        this.capture(`signal ${signal}`).catch((err: Error) =>
          this.#log.warn({ err: { message: err.message } }, `heap capture on ${signal} refused: ${err.message}`),
        );
      };
      process.on(signal, this.#signalHandler);
    }
  }

  stop(): void {
    this.#stopWatch?.();
    this.#stopWatch = undefined;
    if (this.#signalHandler && this.#o.signal) process.off(this.#o.signal, this.#signalHandler);
    this.#signalHandler = undefined;
  }

  #evaluate(): void {
    const v = this.#trend.verdict();
    if (v.suspected === this.#suspected) return;
    this.#suspected = v.suspected;
    const mib = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;
    if (v.suspected) {
      this.#log.warn(
        {
          event: 'leak_suspected',
          slopeBytesPerSecond: Math.round(v.slopeBytesPerSecond),
          growthBytes: Math.round(v.growthBytes),
          fit: v.fit,
          heapBytes: v.lastHeapBytes,
        },
        `leak suspected: the post-GC heap ` +
          `grew ${mib(v.growthBytes)} MiB over the window ` +
          `(${mib(v.slopeBytesPerSecond)} MiB/s, fit ${v.fit.toFixed(2)})`,
      );
      this.emit('leak_suspected', v);
    } else {
      this.#log.info(
        { event: 'leak_cleared', slopeBytesPerSecond: Math.round(v.slopeBytesPerSecond) },
        'the post-GC heap stopped growing: leak suspicion cleared',
      );
      this.emit('leak_cleared', v);
    }
  }
}
