// GC pauses and the post-GC heap, from PerformanceObserver 'gc' entries: each pause goes into a
// histogram by kind, and the heap in use right after the collections feeds the growth detector.
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

const KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

export function watchGc(onPause: (kind: string, seconds: number) => void, onPostGcHeap: (t: number, bytes: number) => void): () => void {
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = KINDS[((e as { detail?: unknown }).detail as { kind?: number } | undefined)?.kind ?? -1] ?? 'other';
      onPause(kind, e.duration / 1000);
    }
    // Entries arrive batched after the collections; the heap now is the post-GC heap.
    onPostGcHeap(Date.now(), getHeapStatistics().used_heap_size);
  });
  obs.observe({ entryTypes: ['gc'] });
  return () => obs.disconnect();
}
