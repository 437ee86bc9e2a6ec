// The one did-you-mean of holdfast: config keys, enum values, program names in a command,
// supervisord sections. Zero dependencies (the supervisor daemon and guard's core may use it).

/** Edit distance where swapping two neighbours counts as one edit ('wbe' → 'web'): optimal string alignment. */
function distance(a: string, b: string): number {
  // Three rolling rows: the current one, the previous, and the one before it (for a swap).
  let before = new Array<number>(b.length + 1).fill(0);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let row = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      row[j] = d;
    }
    [before, prev, row] = [prev, row, before];
  }
  return prev[b.length]!;
}

const loose = (s: string): string => s.toLowerCase().replace(/[-_]/g, '');

/**
 * The candidate `word` most likely meant, or undefined when none is close enough to be a typo.
 * The same letters in another case or with separators dropped (stop_signal vs stopSignal) always
 * match; otherwise the word needs at least 3 letters and at most one edit per 3 letters (at
 * least one), case ignored.
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  const wl = loose(word);
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const score = loose(c) === wl ? 0 : word.length < 3 ? Infinity : distance(w, c.toLowerCase());
    if (score < bestScore) {
      bestScore = score;
      best = c;
    }
  }
  return bestScore <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}
