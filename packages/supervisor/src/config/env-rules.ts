// Which environment names a start request may set (`holdfast start --env`, the API's env). Kept
// apart from the zod schema: the daemon checks every request against it and must not load zod.

/** What the failover agent hands the program it starts for a term (program resource): always accepted. */
export const FAILOVER_TERM_VARS: readonly string[] = ['HOLDFAST_FENCING_TOKEN', 'HOLDFAST_NODE', 'HOLDFAST_CLUSTER'];

/**
 * Why `name` may never be set by a start request, declared or not: the dynamic loader's
 * variables (LD_PRELOAD runs code in the program), Node's options (NODE_OPTIONS --require does
 * the same) and holdfast's own (the marker that tells the daemon which processes are its own).
 */
export function forbiddenOverride(name: string): string | undefined {
  if (name.startsWith('LD_')) return "LD_* variables make the dynamic loader run code of the caller's choosing";
  if (name === 'NODE_OPTIONS') return "NODE_OPTIONS can make node load code of the caller's choosing (--require, --import)";
  if (name.startsWith('HOLDFAST_') && !FAILOVER_TERM_VARS.includes(name)) return 'HOLDFAST_* variables are set by holdfast itself';
  return undefined;
}
