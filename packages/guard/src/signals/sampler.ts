// The I/O shell of system protection: reads Node's own load signals on an unref'd interval.
//  - event-loop delay p99: perf_hooks.monitorEventLoopDelay, reset every sample;
//  - event-loop utilisation: performance.eventLoopUtilization() deltas;
//  - heap used against V8's heap limit;
//  - RSS against the cgroup memory limit (else process.constrainedMemory(), else total memory);
//  - process CPU time against the CPU allowance (cpuCores override, else the cgroup quota, else
//    the host's cores).
import { type ELDHistogram, monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';
import { availableParallelism, totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { readCgroupLimits } from './cgroup.ts';
import type { SignalReadings } from './signals.ts';

export interface SamplerOptions {
  intervalMs: number;
  /** CPUs the process may use; overrides the cgroup quota. */
  cpuCores?: number;
  /** Bytes the process may use; overrides the cgroup limit. */
  memoryLimitBytes?: number;
  /** Root of the filesystem to read cgroup files from (tests). */
  cgroupRoot?: string;
}

export interface Limits {
  cpuCores: number;
  memoryLimitBytes: number;
}

export function resolveLimits(opts: { cpuCores?: number; memoryLimitBytes?: number; cgroupRoot?: string }): Limits {
  const cg = readCgroupLimits(opts.cgroupRoot);
  const constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 0;
  const memory = opts.memoryLimitBytes ?? cg.memoryLimitBytes ?? (constrained > 0 && constrained < 2 ** 60 ? constrained : totalmem());
  return { cpuCores: opts.cpuCores ?? cg.cpuQuotaCores ?? availableParallelism(), memoryLimitBytes: memory };
}

export class SignalSampler {
  readonly limits: Limits;
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | null = null;
  private histogram: ELDHistogram | null = null;
  private lastElu: EventLoopUtilization | null = null;
  private lastCpu: NodeJS.CpuUsage | null = null;
  private lastAt = 0;

  constructor(opts: SamplerOptions) {
    this.intervalMs = opts.intervalMs;
    this.limits = resolveLimits(opts);
  }

  get running(): boolean {
    return this.timer !== null;
  }

  start(onSample: (readings: SignalReadings) => void): void {
    if (this.timer) return;
    this.histogram = monitorEventLoopDelay({ resolution: 5 });
    this.histogram.enable();
    this.lastElu = performance.eventLoopUtilization();
    this.lastCpu = process.cpuUsage();
    this.lastAt = performance.now();
    this.timer = setInterval(() => onSample(this.read()), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.histogram?.disable();
    this.histogram = null;
  }

  /** One reading of every signal since the previous one. */
  read(): SignalReadings {
    const now = performance.now();
    const elapsedUs = Math.max(1, (now - this.lastAt) * 1000);
    this.lastAt = now;
    const readings: SignalReadings = {};
    if (this.histogram) {
      // The histogram holds nanoseconds; with no samples yet it reports NaN-ish zeros.
      if (this.histogram.count > 0) readings.eventLoopDelayP99Ms = this.histogram.percentile(99) / 1e6;
      this.histogram.reset();
    }
    const elu = performance.eventLoopUtilization();
    if (this.lastElu) readings.eventLoopUtilization = performance.eventLoopUtilization(elu, this.lastElu).utilization;
    this.lastElu = elu;
    const cpu = process.cpuUsage();
    if (this.lastCpu)
      readings.cpuUsage = (cpu.user - this.lastCpu.user + cpu.system - this.lastCpu.system) / elapsedUs / this.limits.cpuCores;
    this.lastCpu = cpu;
    const heap = getHeapStatistics();
    readings.heapUsedRatio = heap.used_heap_size / heap.heap_size_limit;
    readings.rssRatio = process.memoryUsage.rss() / this.limits.memoryLimitBytes;
    return readings;
  }
}
