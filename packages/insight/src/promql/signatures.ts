// Argument and return types of the PromQL functions holdfast evaluates (as Prometheus declares
// them in promql/parser/functions.go). The parser checks calls against this table.
import type { ValueType } from './ast.ts';

export interface FunctionSignature {
  args: ValueType[];
  /** Optional trailing arguments (round's to_nearest). */
  optional?: number;
  returns: ValueType;
}

const overTime = { args: ['matrix'], returns: 'vector' } as const satisfies FunctionSignature;
const math = { args: ['vector'], returns: 'vector' } as const satisfies FunctionSignature;

export const SIGNATURES: Readonly<Record<string, FunctionSignature>> = {
  rate: overTime,
  increase: overTime,
  delta: overTime,
  irate: overTime,
  idelta: overTime,
  avg_over_time: overTime,
  sum_over_time: overTime,
  min_over_time: overTime,
  max_over_time: overTime,
  count_over_time: overTime,
  stddev_over_time: overTime,
  stdvar_over_time: overTime,
  last_over_time: overTime,
  present_over_time: overTime,
  quantile_over_time: { args: ['scalar', 'matrix'], returns: 'vector' },
  histogram_quantile: { args: ['scalar', 'vector'], returns: 'vector' },
  clamp: { args: ['vector', 'scalar', 'scalar'], returns: 'vector' },
  clamp_min: { args: ['vector', 'scalar'], returns: 'vector' },
  clamp_max: { args: ['vector', 'scalar'], returns: 'vector' },
  abs: math,
  ceil: math,
  floor: math,
  exp: math,
  ln: math,
  log2: math,
  log10: math,
  sqrt: math,
  round: { args: ['vector', 'scalar'], optional: 1, returns: 'vector' },
  absent: { args: ['vector'], returns: 'vector' },
  scalar: { args: ['vector'], returns: 'scalar' },
  vector: { args: ['scalar'], returns: 'vector' },
  time: { args: [], returns: 'scalar' },
  timestamp: { args: ['vector'], returns: 'vector' },
  label_replace: { args: ['vector', 'string', 'string', 'string', 'string'], returns: 'vector' },
};
