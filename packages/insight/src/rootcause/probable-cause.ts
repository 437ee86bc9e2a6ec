// A ranking cut down to what an incident keeps (types.ts: ProbableCause).
import { headline } from './text.ts';
import type { ProbableCause, Ranking } from './types.ts';

export function probableCauseOf(r: Ranking, at: number): ProbableCause {
  return {
    at,
    from: r.from,
    to: r.to,
    text: headline(r),
    causes: r.candidates.map((c) => ({
      program: c.program,
      role: c.role,
      score: c.score,
      why: c.why,
      ...(c.path ? { path: c.path } : {}),
    })),
  };
}
