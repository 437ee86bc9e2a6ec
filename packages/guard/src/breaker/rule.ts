// Circuit-breaker rules: the data, its defaults and its validation.
import { type Issues, type Obj, type Path, num, oneOf, onlyKeys, ruleHead, windowShape } from '../rule-fields.ts';

export const BREAKER_STRATEGIES = ['slowRequestRatio', 'errorRatio', 'errorCount', 'consecutiveFailures'] as const;
export const BREAKER_MODES = ['normal', 'forcedOpen', 'disabled'] as const;
export type BreakerStrategyName = (typeof BREAKER_STRATEGIES)[number];
export type BreakerMode = (typeof BREAKER_MODES)[number];

export interface BreakerRule {
  id: string;
  resource: string;
  /** What trips the breaker. */
  strategy: BreakerStrategyName;
  /**
   * slowRequestRatio/errorRatio: the ratio (0 < x <= 1) at which the breaker opens.
   * errorCount: errors in the window; consecutiveFailures: failures in a row.
   */
  threshold: number;
  /** slowRequestRatio: a call slower than this counts as slow (and fails a probe). */
  maxAllowedRtMs?: number;
  /** Calls the window must hold before a ratio or count can open the breaker (default 5). */
  minRequestAmount?: number;
  /** Statistics window (default 10000 ms in 10 buckets). */
  statIntervalMs?: number;
  statBuckets?: number;
  /** How long the breaker stays open before it admits probes (default 5000). */
  retryTimeoutMs?: number;
  /** Each reopening without a close in between multiplies the retry timeout (default 1: no backoff)... */
  backoffMultiplier?: number;
  /** ...up to this cap (default 60000, at least retryTimeoutMs). */
  maxRetryTimeoutMs?: number;
  /** Probes admitted while half-open (default 1). */
  probeNum?: number;
  /** Successful probes needed to close (default probeNum); more failures than probeNum minus this reopen. */
  probeSuccessThreshold?: number;
  /** A half-open episode that has not decided within this time reopens: a lost probe cannot stick it (default 10000). */
  probeTimeoutMs?: number;
  /** 'forcedOpen' blocks everything; 'disabled' passes everything and records nothing. */
  mode?: BreakerMode;
  dryRun?: boolean;
}

export type NormalizedBreakerRule = Required<Omit<BreakerRule, 'maxAllowedRtMs'>> & Pick<BreakerRule, 'maxAllowedRtMs'>;

const KEYS = [
  'id',
  'resource',
  'strategy',
  'threshold',
  'maxAllowedRtMs',
  'minRequestAmount',
  'statIntervalMs',
  'statBuckets',
  'retryTimeoutMs',
  'backoffMultiplier',
  'maxRetryTimeoutMs',
  'probeNum',
  'probeSuccessThreshold',
  'probeTimeoutMs',
  'mode',
  'dryRun',
] as const;

export function validateBreakerRule(r: Obj, path: Path, issues: Issues): NormalizedBreakerRule {
  onlyKeys(r, KEYS, path, issues);
  const head = ruleHead(r, path, issues);
  let strategy: BreakerStrategyName = 'errorRatio';
  if (r.strategy === undefined)
    issues.add([...path, 'strategy'], `missing required field 'strategy' (one of: ${BREAKER_STRATEGIES.join(', ')})`);
  else strategy = oneOf(r, 'strategy', path, issues, BREAKER_STRATEGIES, 'errorRatio');
  const ratio = strategy === 'slowRequestRatio' || strategy === 'errorRatio';
  const threshold =
    num(
      r,
      'threshold',
      path,
      issues,
      ratio
        ? { required: true, above: 0, max: 1, what: 'the ratio, 0 < x <= 1, at which the breaker opens' }
        : { required: true, integer: true, min: 1, what: 'the number of failures at which the breaker opens' },
    ) ?? 1;
  let maxAllowedRtMs: number | undefined;
  if (strategy === 'slowRequestRatio')
    maxAllowedRtMs = num(r, 'maxAllowedRtMs', path, issues, {
      required: true,
      above: 0,
      what: 'calls slower than this many ms count as slow',
    });
  else if (r.maxAllowedRtMs !== undefined)
    issues.add([...path, 'maxAllowedRtMs'], `maxAllowedRtMs is only used with strategy 'slowRequestRatio'`);
  const statIntervalMs = num(r, 'statIntervalMs', path, issues, { integer: true, min: 1, max: 3_600_000 }) ?? 10_000;
  const statBuckets = num(r, 'statBuckets', path, issues, { integer: true, min: 1, max: 1000 }) ?? (statIntervalMs % 10 === 0 ? 10 : 1);
  windowShape(statIntervalMs, statBuckets, [...path, 'statIntervalMs'], issues);
  const retryTimeoutMs = num(r, 'retryTimeoutMs', path, issues, { min: 0, max: 86_400_000 }) ?? 5000;
  const maxRetryTimeoutMs = num(r, 'maxRetryTimeoutMs', path, issues, { min: 0, max: 86_400_000 }) ?? Math.max(retryTimeoutMs, 60_000);
  if (maxRetryTimeoutMs < retryTimeoutMs)
    issues.add([...path, 'maxRetryTimeoutMs'], `maxRetryTimeoutMs (${maxRetryTimeoutMs}) must be >= retryTimeoutMs (${retryTimeoutMs})`);
  const probeNum = num(r, 'probeNum', path, issues, { integer: true, min: 1, max: 10_000 }) ?? 1;
  const probeSuccessThreshold = num(r, 'probeSuccessThreshold', path, issues, { integer: true, min: 1 }) ?? probeNum;
  if (probeSuccessThreshold > probeNum)
    issues.add([...path, 'probeSuccessThreshold'], `probeSuccessThreshold (${probeSuccessThreshold}) cannot exceed probeNum (${probeNum})`);
  const rule: NormalizedBreakerRule = {
    ...head,
    strategy,
    threshold,
    minRequestAmount: num(r, 'minRequestAmount', path, issues, { integer: true, min: 0 }) ?? 5,
    statIntervalMs,
    statBuckets,
    retryTimeoutMs,
    backoffMultiplier: num(r, 'backoffMultiplier', path, issues, { min: 1, max: 100 }) ?? 1,
    maxRetryTimeoutMs,
    probeNum,
    probeSuccessThreshold,
    probeTimeoutMs: num(r, 'probeTimeoutMs', path, issues, { above: 0, max: 86_400_000 }) ?? 10_000,
    mode: oneOf(r, 'mode', path, issues, BREAKER_MODES, 'normal'),
  };
  if (maxAllowedRtMs !== undefined) rule.maxAllowedRtMs = maxAllowedRtMs;
  return rule;
}
