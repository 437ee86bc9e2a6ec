// A Node program under a memory limit gets a heap sized to it. Without one, V8 sizes the old
// generation from the host's memory and grows past the cgroup limit: the kernel OOM-kills the
// program (SIGKILL, no message, no chance to collect). With --max-old-space-size below the limit,
// V8 collects harder as it nears its cap and, if the program really leaks, fails with "JavaScript
// heap out of memory" (reported as heap-limit) while the cgroup still has room.
//
// The share: heap = 75 % of the limit − 64 MiB. The 64 MiB is what a Node process holds outside
// the old generation (code, the young generation, the binary and its libraries: about 45 MiB
// at rest); the 75 % leaves the rest for Buffers, native memory and thread stacks. 256 MiB gives
// a 128 MiB heap, 512 MiB 320 MiB, 2 GiB 1472 MiB. A limit under 128 MiB leaves under 32 MiB of
// heap: refused for a Node program (limits.nodeHeap: off sizes nothing, and then only limits
// under 64 MiB are refused, as Node alone does not fit).
import { basename } from 'node:path';

const MiB = 2 ** 20;
export const NODE_HEAP_SHARE = 0.75;
export const NODE_HEAP_RESERVE = 64 * MiB;
/** The smallest limit holdfast sizes a heap for: 32 MiB of heap. */
export const NODE_MIN_LIMIT = 128 * MiB;
/** Below this, Node itself does not fit (about 45 MiB resident at start). */
export const NODE_FLOOR = 64 * MiB;

export type NodeHeapMode = 'auto' | 'on' | 'off';

/** node, nodejs, node24, a path to one of them, or this very binary; npm/npx/pnpm/yarn start node with NODE_OPTIONS too. */
export function isNodeCommand(argv0: string | undefined): boolean {
  if (!argv0) return false;
  if (argv0 === process.execPath) return true;
  return /^(node(js)?\d*|npm|npx|pnpm|yarn|tsx)$/.test(basename(argv0));
}

/** --max-old-space-size in MiB for a memory limit in bytes. */
export function heapMiBFor(limitBytes: number): number {
  return Math.floor((limitBytes * NODE_HEAP_SHARE - NODE_HEAP_RESERVE) / MiB);
}

const mib = (n: number) => `${Math.round((n / MiB) * 10) / 10}MiB`;

/** Why a memory limit cannot run this Node program, or undefined. */
export function nodeLimitProblem(limitBytes: number, mode: NodeHeapMode): string | undefined {
  if (mode !== 'off' && limitBytes < NODE_MIN_LIMIT) {
    return (
      `${mib(limitBytes)} is too small for a Node program: holdfast sizes its heap to ${NODE_HEAP_SHARE * 100}% of the limit minus ${mib(NODE_HEAP_RESERVE)} ` +
      `(what Node holds outside its heap), which leaves ${Math.max(0, heapMiBFor(limitBytes))}MiB; give at least ${mib(NODE_MIN_LIMIT)}, ` +
      `or set limits.nodeHeap: off and pass --max-old-space-size yourself`
    );
  }
  if (limitBytes < NODE_FLOOR) return `${mib(limitBytes)} is too small for a Node program: Node alone holds about 45MiB at start; give at least ${mib(NODE_FLOOR)}`;
  return undefined;
}

export function appliesTo(argv0: string | undefined, mode: NodeHeapMode): boolean {
  return mode === 'on' || (mode === 'auto' && isNodeCommand(argv0));
}

/**
 * Adds --max-old-space-size to NODE_OPTIONS in `env` for a Node program with a memory limit.
 * A heap size already in NODE_OPTIONS is the user's choice and stays. Returns the heap in MiB
 * that is in force (set here or by the user), or undefined when none applies.
 */
export function applyNodeHeap(env: Record<string, string>, argv0: string | undefined, limits: { memory?: number | undefined; nodeHeap?: NodeHeapMode } | undefined): number | undefined {
  const limit = limits?.memory;
  if (limit === undefined || !appliesTo(argv0, limits?.nodeHeap ?? 'auto')) return undefined;
  const current = env.NODE_OPTIONS ?? '';
  const set = /--max-old-space-size[= ](\d+)/.exec(current);
  if (set) return Number(set[1]);
  const heap = heapMiBFor(limit);
  env.NODE_OPTIONS = `${current ? `${current} ` : ''}--max-old-space-size=${heap}`;
  return heap;
}

/** V8's last words when the heap is full: "FATAL ERROR: … JavaScript heap out of memory". */
export const HEAP_OOM_PATTERN = /JavaScript heap out of memory|Reached heap limit Allocation failed/;
