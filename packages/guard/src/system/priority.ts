// Priority classes for system protection: critical is never shed, low is shed first. The hot
// path carries them as small integers.
export const PRIORITIES = ['critical', 'high', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];
export const PRIORITY_CRITICAL = 0;
export const PRIORITY_HIGH = 1;
export const PRIORITY_NORMAL = 2;
export const PRIORITY_LOW = 3;

export function priorityCode(p: Priority | undefined): number {
  if (p === undefined || p === 'normal') return PRIORITY_NORMAL;
  return p === 'critical' ? PRIORITY_CRITICAL : p === 'low' ? PRIORITY_LOW : PRIORITY_HIGH;
}
