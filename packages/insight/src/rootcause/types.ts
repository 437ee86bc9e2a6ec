// What the root-cause ranking takes and gives: per service its RED figures over the window
// explained (and over the period before it, when known), the calls between services with the
// caller's view of them, and what each service's logs did meanwhile. Plain data, so the
// ranking is a pure function that the daemon, the CLI and the tests call alike.

/** Rate, errors and duration of the requests a service served (or the calls a caller made). */
export interface RedFigures {
  /** Requests (or calls) in the window. */
  requests: number;
  /** Of those, failed: 5xx answers (or calls that errored, timed out or were refused). */
  errors: number;
  /** Mean duration in seconds; absent without a duration histogram or without requests. */
  meanSeconds?: number;
  /** Length of the window in seconds (turns counts into rates). */
  seconds: number;
}

/** A log template that burst (or first appeared, or logged errors) in a service during the window. */
export interface LogEvidence {
  /** The template id (the miner's, or the error line's). */
  id: string;
  text: string;
  /** Lines of this template in the window. */
  count: number;
  /** 'burst' (far above its usual rate), 'new' (never seen before), 'error' (error lines). */
  kind: 'burst' | 'new' | 'error';
  /** When it started, ms since the epoch. */
  since?: number;
}

export interface ServiceInput {
  /** The program's name in the supervisor config. */
  name: string;
  /** Its own server-side figures over the window; absent when it exposes none or could not be read. */
  current?: RedFigures;
  /** The same over the period before the window, when the store holds it. */
  baseline?: RedFigures;
  /** Set when it is not running or not answering: the reason in words ("exited 1, restarting", "scrapes fail: ECONNREFUSED"). */
  down?: string;
  logs?: LogEvidence[];
}

export interface EdgeInput {
  /** Caller and callee, program names. */
  from: string;
  to: string;
  /** How the call is known, in words: "dependency 'inventory'", "env INVENTORY_URL", "declared". */
  via: string[];
  /** The caller's own view of these calls (holdfast_dependency_upstream_*), when it reports one. */
  current?: RedFigures;
  baseline?: RedFigures;
}

export interface RankInput {
  services: ServiceInput[];
  edges: EdgeInput[];
  /** The window explained, ms since the epoch. */
  from: number;
  to: number;
}

/** When a figure counts as abnormal. Defaults in rank.ts (DEFAULT_THRESHOLDS). */
export interface Thresholds {
  /** Fewer failures than this never make a service abnormal (one error is not an outage). */
  minErrors: number;
  /** An error ratio at or above this is abnormal (unless the baseline was as bad). */
  errorRatio: number;
  /** A lower ratio that still marks a caller as affected (the guide's gateway at 0.2 %). */
  elevatedErrorRatio: number;
  /** Abnormal only when the ratio is at least this many times the baseline's. */
  errorFactor: number;
  /** Latency is judged on at least this many requests. */
  minRequests: number;
  /** Mean latency this many times the baseline's (and `latencyIncrease` more) is abnormal. */
  latencyFactor: number;
  /** Seconds: the least increase over the baseline that counts (2 ms → 5 ms is not an incident). */
  latencyIncrease: number;
  /** Seconds: without a baseline, a mean latency at or above this is abnormal. */
  slowSeconds: number;
}

export type FindingSignal = 'down' | 'errors' | 'latency' | 'calls';

/** One abnormal (or elevated) figure, with the numbers behind it. */
export interface Finding {
  signal: FindingSignal;
  /** 'abnormal' can make a service a cause; 'elevated' only marks a caller as affected. */
  level: 'abnormal' | 'elevated';
  /** The figure now and before (ratio for errors and calls, seconds for latency). */
  value?: number;
  baseline?: number;
  /** For calls: who saw them fail. */
  caller?: string;
  /** In words: "12.5 % errors (14,775 of 118,200), 0.1 % before". */
  text: string;
}

export type Role = 'cause' | 'affected';

export interface Candidate {
  program: string;
  role: Role;
  /** How strongly its own figures are off, 0..1 (1: down, or every request failing). */
  score: number;
  /** One line a person reads: why it is ranked here. */
  why: string;
  findings: Finding[];
  current?: RedFigures;
  baseline?: RedFigures;
  /** A cause: the services whose trouble it explains. */
  explains?: string[];
  /** An affected service: the call path to its cause(s), e.g. ["orders", "inventory"]. */
  path?: string[];
  /** The cause(s) it is affected by. */
  causes?: string[];
  logs: LogEvidence[];
}

export type Status = 'abnormal' | 'elevated' | 'healthy' | 'unknown';

export interface ServiceView {
  program: string;
  status: Status;
  current?: RedFigures;
  baseline?: RedFigures;
  findings: Finding[];
}

export interface Ranking {
  /** The window explained, ms since the epoch. */
  from: number;
  to: number;
  /** Causes first (most services explained, then worst), then the affected (nearest the cause first). */
  candidates: Candidate[];
  /** Every service judged, with its figures: the table `holdfast explain` prints. */
  services: ServiceView[];
  /** Services whose figures are normal. */
  healthy: string[];
  /** Services off in a way no cause explains and too mild to be one ('elevated'), with what was seen. */
  elevated: { program: string; findings: Finding[] }[];
  /** Services with nothing to judge by (no figures, no callers reporting on them). */
  unknown: string[];
  /** Calls between services, as used. */
  edges: { from: string; to: string; via: string[] }[];
}

/**
 * What an incident carries (`incident.probableCause`): the ranking when it was last computed,
 * cut to what a list, a page or a notification shows. The whole ranking is `holdfast explain`'s.
 */
export interface ProbableCause {
  /** When it was computed, and the window it explains, ms since the epoch. */
  at: number;
  from: number;
  to: number;
  /** One line: "probable cause: inventory (50 % errors …); affected: orders, gateway". */
  text: string;
  /** Causes first, then the affected; empty when nothing stands out. */
  causes: { program: string; role: Role; score: number; why: string; path?: string[] }[];
}
