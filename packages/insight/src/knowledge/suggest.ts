// "Did you mean …?" for unknown keys and values, as a hint text: holdfast's one did-you-mean.
import { didYouMean } from '@holdfast/config/did-you-mean';

/** The hint naming the nearest of `candidates` to `word` when it is a plausible typo of it, or undefined. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  const guess = didYouMean(word, candidates);
  return guess === undefined ? undefined : `did you mean '${guess}'?`;
}
