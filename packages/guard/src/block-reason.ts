// Why a request was blocked. The index doubles as the slot in per-reason counters.
export const BLOCK_REASONS = ['flow', 'breaker', 'hotkey', 'concurrency', 'system'] as const;
export type BlockReason = (typeof BLOCK_REASONS)[number];

export const REASON_FLOW = 0;
export const REASON_BREAKER = 1;
export const REASON_HOTKEY = 2;
export const REASON_CONCURRENCY = 3;
export const REASON_SYSTEM = 4;
