// A Node program under a memory limit gets a heap sized to it. Without one, V8 sizes the old
// generation from the host's memory and grows past the cgroup limit: the kernel OOM-kills the
// program (SIGKILL, no message, no chance to collect). With --max-old-space-size below the limit,
// V8 collects harder as it nears its cap and, if the program really leaks, fails with "JavaScript
// heap out of memory" (reported as heap-limit) while the cgroup still has room.
//
// The size (old space = 75 % of the limit minus 64 MiB) is @holdfast/config/node-heap's, the
// same rule as `holdfast gen k8s` and the service runtime's warning. A limit under 128 MiB is refused for a Node
// program (limits.nodeHeap: off sizes
// nothing, and then only limits under 64 MiB are refused, as Node alone does not fit).
import { basename } from 'node:path';
import { nodeHeapFlags, nodeLimitProblem as limitProblem } from '@holdfast/config/node-heap';

export { HEAP_SHARE, NODE_FLOOR, NODE_MIN_LIMIT, nodeHeapFlags } from '@holdfast/config/node-heap';

export type NodeHeapMode = 'auto' | 'on' | 'off';

/** node, nodejs, node24, a path to one of them, or this very binary; npm/npx/pnpm/yarn start node with NODE_OPTIONS too. */
export function isNodeCommand(argv0: string | undefined): boolean {
  if (!argv0) return false;
  if (argv0 === process.execPath) return true;
  return /^(node(js)?\d*|npm|npx|pnpm|yarn|tsx)$/.test(basename(argv0));
}

/** Why a memory limit cannot run this Node program, or undefined. */
export function nodeLimitProblem(limitBytes: number, mode: NodeHeapMode): string | undefined {
  return limitProblem(limitBytes, mode !== 'off');
}

export function appliesTo(argv0: string | undefined, mode: NodeHeapMode): boolean {
  return mode === 'on' || (mode === 'auto' && isNodeCommand(argv0));
}

/**
 * Adds --max-old-space-size to NODE_OPTIONS in `env` for a Node program with a memory limit. A
 * heap size already in NODE_OPTIONS is the user's choice and stays. Returns the old space in MiB
 * that is in force, or undefined when none applies.
 */
export function applyNodeHeap(
  env: Record<string, string>,
  argv0: string | undefined,
  limits: { memory?: number | undefined; nodeHeap?: NodeHeapMode } | undefined,
): number | undefined {
  const limit = limits?.memory;
  if (limit === undefined || !appliesTo(argv0, limits?.nodeHeap ?? 'auto')) return undefined;
  const current = env.NODE_OPTIONS ?? '';
  const set = /--max-old-space-size[= ](\d+)/.exec(current);
  if (set) return Number(set[1]);
  const flags = nodeHeapFlags(limit);
  env.NODE_OPTIONS = `${current ? `${current} ` : ''}${flags.nodeOptions}`;
  return flags.oldSpaceMiB;
}

/** V8's last words when the heap is full: "FATAL ERROR: … JavaScript heap out of memory". */
export const HEAP_OOM_PATTERN = /JavaScript heap out of memory|Reached heap limit Allocation failed/;

/**
 * What a heap-limit exit means and what to do, for status and the exit event: a leak was caught
 * inside the memory limit (or the working set is larger than the heap the limit allows).
 */
export function heapLimitAdvice(heapMiB: number, limitBytes: number | undefined): string {
  const limit = limitBytes === undefined ? '' : ` (sized to its ${Math.round(limitBytes / 2 ** 20)} MiB memory limit)`;
  return (
    `the V8 heap filled its ${heapMiB} MiB old space${limit} and Node aborted, before the kernel had to OOM-kill it: ` +
    'a leak, or a working set larger than the heap. Compare heap snapshots taken while it grows ' +
    '(a holdfast service: POST /admin/heap-snapshot), or raise limits.memory: the heap follows it'
  );
}
