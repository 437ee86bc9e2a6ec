// The one rule for sizing a Node heap to a memory limit, shared by the supervisor (NODE_OPTIONS
// of a program with limits.memory), `holdfast gen k8s` (the container's NODE_OPTIONS) and the
// service runtime (its warning when the heap can outgrow its cgroup). Zero dependencies.
//
// The heap may take HEAP_SHARE (75 %) of the limit; the rest is code, stacks, Buffers and native
// memory, rarely less than a quarter in a Node service. Of that share the old space gets all but
// 64 MiB, left for the young generation, which Node sizes from the cgroup limit (a few MiB in a
// small container). 256 MiB → 128 MiB of old space, 512 MiB → 320, 2 GiB → 1472. Under 128 MiB
// the old space would be under 32 MiB: a Node program is refused such a limit.

const MiB = 2 ** 20;
export const HEAP_SHARE = 0.75;
/** Of the heap's share, what the young generation keeps. */
export const YOUNG_RESERVE_MIB = 64;
/** The smallest limit a heap is sized for. */
export const NODE_MIN_LIMIT = 128 * MiB;
/** Below this, Node itself does not fit (about 45 MiB resident at start). */
export const NODE_FLOOR = 64 * MiB;

export interface NodeHeapFlags {
  /** --max-old-space-size, MiB. */
  oldSpaceMiB: number;
  /** `--max-old-space-size=…` */
  nodeOptions: string;
}

export function nodeHeapFlags(limitBytes: number): NodeHeapFlags {
  const allowedMiB = Math.floor((limitBytes * HEAP_SHARE) / MiB);
  const oldSpaceMiB = Math.max(16, allowedMiB - YOUNG_RESERVE_MIB);
  return { oldSpaceMiB, nodeOptions: `--max-old-space-size=${oldSpaceMiB}` };
}

const mib = (n: number) => `${Math.round((n / MiB) * 10) / 10}MiB`;

/**
 * Why a memory limit cannot run a Node program, or undefined. `sized`: holdfast sizes the heap
 * (then the limit must be at least NODE_MIN_LIMIT); otherwise only Node's own floor applies.
 */
export function nodeLimitProblem(
  limitBytes: number,
  sized: boolean,
  otherwise = 'or set limits.nodeHeap: off and pass --max-old-space-size yourself',
): string | undefined {
  if (sized && limitBytes < NODE_MIN_LIMIT) {
    const left = Math.max(0, Math.floor((limitBytes * HEAP_SHARE) / MiB) - YOUNG_RESERVE_MIB);
    return (
      `${mib(limitBytes)} is too small for a Node program: holdfast gives its old ` +
      `space ${HEAP_SHARE * 100}% of the ` +
      `limit minus ${YOUNG_RESERVE_MIB}MiB ` +
      `(for the young generation), which leaves ${left}MiB; give at least ${mib(NODE_MIN_LIMIT)}, ${otherwise}`
    );
  }
  if (limitBytes < NODE_FLOOR)
    return `${mib(limitBytes)} is too small for a Node program: Node alone holds about 45MiB at start; give at least ${mib(NODE_FLOOR)}`;
  return undefined;
}
