// `holdfast alerts report`: per rule, how often it fired, how often someone acknowledged it, how
// often it was judged not valid, how long acknowledgement took, how often it flapped; noisiest
// first, each with what to do: close it, tune it, review it, or keep it. The workbook scores
// alerts on precision and reset time; nobody computes it for you (research §2, §3).
import type { RuleHistoryRow } from '../incidents/store.ts';

export type Suggestion = 'close' | 'tune' | 'review' | 'keep';

export interface RuleReport {
  rule: string;
  fired: number;
  acknowledged: number;
  invalid: number;
  /** Resolved by the quiet period without anyone acknowledging: nobody acted on it. */
  ignored: number;
  /** Reopened within the flap window of being resolved. */
  flapping: number;
  ackMedianMs: number | null;
  ackP90Ms: number | null;
  /** 0 (every firing was acted on) to 1 (all noise). */
  noise: number;
  suggestion: Suggestion;
  why: string;
}

const quantile = (xs: number[], q: number): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

export function alertReport(rows: readonly RuleHistoryRow[], { flapWindowMs = 3_600_000 } = {}): RuleReport[] {
  const out = rows.map((r): RuleReport => {
    const fired = r.opened + r.reopened;
    const flapping = r.reopenGaps.filter((g) => g <= flapWindowMs).length;
    const ignored = Math.max(0, Math.min(r.resolvedQuiet, fired - r.acknowledged - r.invalid));
    const share = (n: number) => (fired ? n / fired : 0);
    const noise = Math.min(1, share(r.invalid) + 0.5 * share(flapping) + 0.5 * share(ignored));
    let suggestion: Suggestion = 'keep';
    let why = fired ? 'acted on when it fired' : 'did not fire in this window';
    if (fired && share(r.invalid) >= 0.5) {
      suggestion = 'close';
      why = `${r.invalid} of ${fired} firings were marked not valid: close the rule, or rewrite its trigger`;
    } else if (fired && share(flapping) >= 0.3) {
      suggestion = 'tune';
      why =
        `it flaps ` +
        `(${flapping} ` +
        `of ${fired} came back ` +
        `within ${Math.round(flapWindowMs / 60_000)} min of ` +
        `resolving): lengthen for: or the quiet period, or add hysteresis to the threshold`;
    } else if (fired >= 3 && share(ignored) >= 0.5) {
      suggestion = 'tune';
      why =
        `${ignored} ` +
        `of ${fired} firings went away with nobody acknowledging them: raise the threshold, lower the ` +
        `severity, or route it to a ticket queue`;
    } else if (r.invalid > 0) {
      suggestion = 'review';
      why = `${r.invalid} of ${fired} firings were marked not valid`;
    }
    return {
      rule: r.rule,
      fired,
      acknowledged: r.acknowledged,
      invalid: r.invalid,
      ignored,
      flapping,
      ackMedianMs: quantile(r.ackTimes, 0.5),
      ackP90Ms: quantile(r.ackTimes, 0.9),
      noise: Math.round(noise * 100) / 100,
      suggestion,
      why,
    };
  });
  return out.sort((a, b) => b.noise - a.noise || b.fired - a.fired || a.rule.localeCompare(b.rule));
}
