// Restart delays: exponential with jitter and a cap. The first restart after a healthy run is
// immediate by default (a crash of a long-running service should cost nothing), the next ones
// wait initialMs, initialMs*factor, ... up to maxMs.
import type { BackoffConfig } from '../config/schema.ts';

/** Delay in ms before restart number `streak` (1 = first crash in a row). */
export function backoffDelay(streak: number, b: BackoffConfig, random: () => number): number {
  if (streak <= 0) return 0;
  if (b.immediateFirst && streak === 1) return 0;
  const step = b.immediateFirst ? streak - 2 : streak - 1;
  const base = Math.min(b.maxMs, b.initialMs * b.factor ** step);
  const spread = base * b.jitter * (2 * random() - 1);
  return Math.round(Math.min(b.maxMs, Math.max(0, base + spread)));
}
