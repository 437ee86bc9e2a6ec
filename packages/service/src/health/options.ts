// The options the `health` module owns.
import { z } from 'zod';

const ms = z.number().finite().min(1);

export const healthOptionsShape = {
  /** Liveness watchdog: the loop blocked past maxBlockMs within windowMs fails /livez. */
  watchdog: z
    .strictObject({
      sampleMs: ms.default(50),
      maxBlockMs: ms.default(2000),
      windowMs: ms.default(10_000),
    })
    .prefault({}),
};
