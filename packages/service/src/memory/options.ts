// The `memory` option of createService: the heap-growth detector and heap captures.
import { z } from 'zod';

const ms = z.number().finite().min(1);

export const memoryOptionsSchema = z.strictObject({
  /** Watch GC pauses and the post-GC heap (off: no observer, no leak detection). */
  enabled: z.boolean().default(true),
  /** The window over which the post-GC heap's slope is measured. */
  windowMs: ms.default(10 * 60_000),
  /** Leak suspected when the post-GC heap grows at least this fast over the window... */
  minSlopeBytesPerSecond: z
    .number()
    .min(0)
    .default(64 * 1024),
  /** ...and by at least this much in all... */
  minGrowthBytes: z
    .number()
    .min(0)
    .default(64 * 1024 * 1024),
  /** ...and the growth is steady (coefficient of determination of the fit, 0..1). */
  minFit: z.number().min(0).max(1).default(0.6),
  /** Where heap snapshots and profiles are written (default: HOLDFAST_HEAP_DIR, else captures are refused). */
  dir: z.string().min(1).optional(),
  /** Minimum time between two captures. */
  cooldownMs: z
    .number()
    .min(0)
    .default(5 * 60_000),
  /** A full snapshot only when available memory >= this × heap used (it needs about 2×); otherwise a sampling profile. */
  headroomRatio: z.number().min(1).default(2.2),
  /** How long a sampling heap profile records. */
  samplingMs: ms.default(10_000),
  /** A signal that triggers a capture (false: none). SIGUSR1 belongs to the inspector. */
  signal: z.union([z.literal(false), z.enum(['SIGUSR2', 'SIGHUP', 'SIGWINCH'])]).default('SIGUSR2'),
  /** At start, compare the V8 heap limit with the cgroup memory limit and warn when the heap could outgrow it ('off': do not). */
  heapFit: z.enum(['warn', 'off']).default('warn'),
  /** Bytes of memory available to the process; default reads the cgroup limit and MemAvailable. For tests. */
  availableMemory: z.function().optional(),
});

export type MemoryOptions = z.output<typeof memoryOptionsSchema>;

export const memoryOptionsShape = { memory: memoryOptionsSchema.prefault({}) };

/** The capture directory defaults to HOLDFAST_HEAP_DIR. */
export function resolveMemoryOptions(o: MemoryOptions, env: NodeJS.ProcessEnv): MemoryOptions {
  return { ...o, dir: o.dir ?? env.HOLDFAST_HEAP_DIR };
}
