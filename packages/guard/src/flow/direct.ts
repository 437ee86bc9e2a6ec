import type { TokenCalculator } from './calculator.ts';

/** The rule's threshold, as written. */
export class DirectCalculator implements TokenCalculator {
  private readonly value: number;
  constructor(threshold: number) {
    this.value = threshold;
  }
  threshold(_now: number): number {
    return this.value;
  }
}
