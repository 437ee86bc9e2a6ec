// Long lists of problems, shown the way a person can read them: past MAX_LISTED lines a broken
// (or wrong) file would scroll the first ones away, and those are the ones to fix first.

/** Most problems listed at once. */
export const MAX_LISTED = 50;

/** The first MAX_LISTED lines, then one line with how many more there are. */
export function capLines(lines: string[], what = 'warnings'): string[] {
  if (lines.length <= MAX_LISTED) return lines;
  return [
    ...lines.slice(0, MAX_LISTED),
    `… and ${lines.length - MAX_LISTED} more ${what} (${lines.length} in all; fix the first ones and read again)`,
  ];
}
