// "Did you mean …?" for unknown keys and values: the candidate within a small edit distance.

/** Edit distance (insert, delete, substitute), one row at a time; inputs are short keys. */
function edits(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/** The nearest of `candidates` to `word` when it is a plausible typo of it; a hint text, or undefined. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  const scored = candidates.map((c) => ({ c, d: edits(w, c.toLowerCase()) })).sort((x, y) => x.d - y.d);
  const best = scored[0];
  return best && best.d <= Math.max(2, Math.floor(word.length / 3)) ? `did you mean '${best.c}'?` : undefined;
}
