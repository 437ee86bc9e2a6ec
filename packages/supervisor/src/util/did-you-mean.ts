// Suggestions for a mistyped program name in a command. The daemon's own copy: importing the
// config package for it would load zod and yaml into a process that must stay small.

/** Edit distance where swapping two neighbours counts as one edit ('wbe' → 'web'). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest candidate, when it is close enough to be a typo (and the word long enough to judge). */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  if (word.length < 3) return undefined;
  let best: string | undefined;
  let score = Infinity;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < score) {
      score = d;
      best = c;
    }
  }
  return score <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}
