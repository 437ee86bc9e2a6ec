// The alert definitions after validation (durations in ms, defaults filled in): what the rule
// generator, the backtest and, later, the in-daemon evaluator take. The YAML shape and its
// checks live in schema.ts (the @holdfast/insight/alerts-schema entry, which needs zod).

export type StrategyName = 'seasonal' | 'adaptive' | 'robust' | 'static' | 'week-average';
export const STRATEGIES: readonly StrategyName[] = ['seasonal', 'adaptive', 'robust', 'static', 'week-average'];
/** The strategies that learn a baseline (static and the guide's week-average rule are for comparison). */
export const BASELINE_STRATEGIES: readonly StrategyName[] = ['seasonal', 'adaptive', 'robust'];

export type BaselineSignal = 'requests' | 'errors' | 'latency' | 'metric';
export type Direction = 'both' | 'low' | 'high';

/** Who answers an alert: carried by every alerting rule (labels owner, severity; annotation runbook_url). */
export interface AlertMeta {
  owner: string;
  severity: string;
  runbook: string;
}

export interface SeasonalParams {
  /** |residual| above this many standard deviations of last week's residuals (GitLab: 3). */
  zScore: number;
  /** …and above this fraction of the prediction (the guide's 0.8 factor is a margin of 0.2). */
  margin: number;
  /** Past weeks whose same hour predicts this one (their median); 1 is GitLab's form. */
  weeks: number;
}

export interface AdaptiveParams {
  stddevMultiplier: number;
  marginMultiplier: number;
  /** The 1 h stddev counts only above this fraction of the 1 h mean (a coefficient-of-variation filter). */
  covarThreshold: number;
}

export interface RobustParams {
  madMultiplier: number;
  marginMultiplier: number;
}

export interface StaticParams {
  below?: number;
  above?: number;
}

export interface WeekAverageParams {
  /** Fire below this fraction of last week's 7-day average (the guide: 0.8). */
  factor: number;
}

export interface BaselineSpec {
  /** snake_case; names the recorded series (holdfast:<name>:level) and the alert. */
  name: string;
  alert: string;
  signal: BaselineSignal;
  /** The series the signal is computed from (for latency: the histogram's base name). */
  metric: string;
  metricType: 'counter' | 'gauge' | 'histogram';
  /** Equality matchers, service included. */
  matchers: Record<string, string>;
  /** Labels the level keeps (one baseline per value combination). */
  by: string[];
  quantile: number;
  rateWindowMs: number;
  strategy: StrategyName;
  direction: Direction;
  forMs: number;
  /** Sparse-series guard: no alert while the request rate averaged over a day is below this (per second). */
  minRate: number;
  seasonal: SeasonalParams;
  adaptive: AdaptiveParams;
  robust: RobustParams;
  static: StaticParams;
  weekAverage: WeekAverageParams;
  meta: AlertMeta;
}

export type SloIndicator = 'availability' | 'latency';

export interface SloSpec {
  name: string;
  alertPrefix: string;
  service: string;
  matchers: Record<string, string>;
  indicator: SloIndicator;
  /** Target share of good requests, in (0, 1). */
  objective: number;
  periodMs: number;
  /** Latency SLO: a request slower than this (seconds; a bucket bound of the histogram) is bad. */
  latencyThreshold?: number;
  requestsMetric: string;
  durationMetric: string;
  /** Minimum-traffic guard: a burn-rate alert needs this many requests in its long window. */
  minRequests: number;
  owner: string;
  runbook: string;
  pageSeverity: string;
  ticketSeverity: string;
}

export interface AlertsConfig {
  scrapeIntervalMs: number;
  evaluationIntervalMs: number;
  baselines: BaselineSpec[];
  slos: SloSpec[];
}
