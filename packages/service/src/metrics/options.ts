// The options the `metrics` module owns.
import { z } from 'zod';

export const metricsOptionsShape = {
  metrics: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Node's default metrics (heap, GC, handles, ...). */
      defaultMetrics: z.boolean().default(true),
      /** Histogram buckets for request duration, in seconds. */
      buckets: z.array(z.number().positive()).nonempty().default([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]),
    })
    .prefault({}),
};
