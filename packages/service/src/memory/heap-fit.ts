// Does the V8 heap fit in this process's memory limit? A heap allowed to grow past what the
// cgroup allows is never stopped by V8: the kernel OOM-kills the process first (SIGKILL: no drain,
// no last log line, no heap error to read), where a heap limit inside the cgroup would have made
// V8 collect harder and, failing that, die with a heap error that says what happened. The heap
// may take at most HEAP_SHARE of the limit (@holdfast/config/node-heap, the rule the supervisor
// and `holdfast gen k8s` apply too): the rest is code, stacks, buffers and native memory.
import { readFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { HEAP_SHARE, nodeHeapFlags } from '@holdfast/config/node-heap';

export { HEAP_SHARE };

export interface MemoryLimit {
  bytes: number;
  /** The file the limit was read from, or 'process.constrainedMemory()'. */
  source: string;
}

export interface HeapFit {
  limit: MemoryLimit | undefined;
  heapLimitBytes: number;
  fits: boolean;
  /** The NODE_OPTIONS that keep the heap within HEAP_SHARE of the limit. */
  suggestedNodeOptions: string | undefined;
}

function readLimit(path: string): number | undefined {
  try {
    const raw = readFileSync(path, 'utf8').trim();
    if (raw === 'max') return undefined;
    const n = Number(raw);
    // cgroup v1 says "no limit" with a huge page-aligned number.
    return Number.isFinite(n) && n > 0 && n < 2 ** 60 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** The smallest limit on the way from the process's cgroup up to the hierarchy's root. */
function smallestUpwards(root: string, path: string, file: string): MemoryLimit | undefined {
  let best: MemoryLimit | undefined;
  const parts = path.split('/').filter(Boolean);
  for (let i = parts.length; i >= 0; i--) {
    const at = [root, ...parts.slice(0, i), file].join('/');
    const bytes = readLimit(at);
    if (bytes !== undefined && (best === undefined || bytes < best.bytes)) best = { bytes, source: at };
  }
  return best;
}

/**
 * The memory limit of the process's cgroup (v2 `memory.max`, or v1 `memory.limit_in_bytes`,
 * the smallest up the tree) and libuv's own view of it; undefined without a limit.
 */
export function memoryLimit(
  procSelfCgroup = '/proc/self/cgroup',
  cgroupRoot = '/sys/fs/cgroup',
  constrained: number | undefined = process.constrainedMemory(),
): MemoryLimit | undefined {
  const found: MemoryLimit[] = [];
  let lines: string[] = [];
  try {
    lines = readFileSync(procSelfCgroup, 'utf8').split('\n');
  } catch {}
  for (const line of lines) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (path === undefined) continue;
    const v1 = controllers!.split(',').includes('memory')
      ? smallestUpwards(`${cgroupRoot}/memory`, path, 'memory.limit_in_bytes')
      : undefined;
    const v2 = controllers === '' ? smallestUpwards(cgroupRoot, path, 'memory.max') : undefined;
    for (const l of [v1, v2]) if (l) found.push(l);
  }
  if (constrained !== undefined && constrained > 0 && constrained < 2 ** 60)
    found.push({ bytes: constrained, source: 'process.constrainedMemory()' });
  return found.sort((a, b) => a.bytes - b.bytes)[0];
}

export function heapFit(limit: MemoryLimit | undefined = memoryLimit(), heapLimitBytes = getHeapStatistics().heap_size_limit): HeapFit {
  if (limit === undefined) return { limit, heapLimitBytes, fits: true, suggestedNodeOptions: undefined };
  // The rule the supervisor and `holdfast gen k8s` apply (@holdfast/config/node-heap).
  const allowedMb = Math.floor((limit.bytes * HEAP_SHARE) / 2 ** 20);
  // The supervisor's rule for a program with limits.memory, one rule in the project
  // (@holdfast/config/node-heap): the old space gets the share minus 64 MiB, left for the young
  // generation, which Node sizes from the cgroup limit (a few MiB in a small container).
  return {
    limit,
    heapLimitBytes,
    fits: heapLimitBytes <= allowedMb * 2 ** 20,
    suggestedNodeOptions: nodeHeapFlags(limit.bytes).nodeOptions,
  };
}
