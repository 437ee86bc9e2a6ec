import type { StrategyName } from '../types.ts';
import { adaptive } from './adaptive.ts';
import { staticThreshold, weekAverage } from './fixed.ts';
import { robust } from './robust.ts';
import { seasonal } from './seasonal.ts';
import type { Strategy } from './strategy.ts';

export type { Band, Strategy } from './strategy.ts';
export const strategies: Readonly<Record<StrategyName, Strategy>> = {
  seasonal,
  adaptive,
  robust,
  static: staticThreshold,
  'week-average': weekAverage,
};
