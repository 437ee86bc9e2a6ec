// The order of a rolling reload, as data: which slots are replaced together, and which old
// instances may go before their replacements are ready. Pure, so every maxSurge/maxUnavailable
// combination is tested without a process.

export interface RolloutStep {
  /** Slot indexes replaced in this step. */
  slots: number[];
  /** Of those, the ones whose old instance is stopped before the new ones start (maxUnavailable). */
  stopFirst: number[];
}

/**
 * Steps for `instances` slots. Each step starts up to `maxSurge` new instances above the count,
 * plus one for each old instance it may stop first (`maxUnavailable`); the rest of the old ones in
 * the step stop only once every new one of the step is READY. With maxUnavailable 0 (the default)
 * the number of READY instances never drops below `instances`.
 */
export function planRollout(instances: number, maxSurge: number, maxUnavailable: number): RolloutStep[] {
  if (instances < 1) return [];
  const unavailable = Math.min(maxUnavailable, instances);
  const size = Math.max(1, Math.min(instances, maxSurge + unavailable));
  const steps: RolloutStep[] = [];
  for (let first = 0; first < instances; first += size) {
    const slots = Array.from({ length: Math.min(size, instances - first) }, (_, i) => first + i);
    steps.push({ slots, stopFirst: slots.slice(0, Math.min(unavailable, slots.length)) });
  }
  return steps;
}
