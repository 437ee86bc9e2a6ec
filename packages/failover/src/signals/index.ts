// Failover events as incident signals, forwarded to the supervisor's `POST /v1/signals`.
import type { Signal } from '@holdfast/supervisor/client';
import type { Clock } from '../clock.ts';
import type { SignalsConfig, SignalsTarget } from './config.ts';
import { SignalForwarder, type ForwarderLog } from './forwarder.ts';

export { signalsSchema, signalsTarget, type SignalsConfig, type SignalsTarget } from './config.ts';
export { EventSignals, drillFailedSignal, type SignalContext } from './events.ts';
export { SignalForwarder, type ForwarderOptions, type ForwarderStats, type ForwarderLog } from './forwarder.ts';

/** What the target is, in words (logs, status). */
export const describeTarget = (t: SignalsTarget): string => t.socket ?? t.url ?? t.from;

/**
 * A forwarder to the supervisor at `target`, through @holdfast/supervisor/client's
 * IncidentsClient. The client is loaded on the first send, so an agent that never raises a
 * signal never loads it.
 */
export function supervisorSignalForwarder(
  target: SignalsTarget,
  c: Pick<SignalsConfig, 'queue' | 'retry' | 'timeout'>,
  deps: { clock: Clock; log: ForwarderLog; env?: NodeJS.ProcessEnv },
): SignalForwarder {
  let client: Promise<{ signals(list: Signal[]): Promise<unknown> }> | undefined;
  const get = () =>
    (client ??= (async () => {
      const s = await import('@holdfast/supervisor/client');
      if (target.socket || target.url)
        return new s.IncidentsClient({
          ...(target.socket ? { socket: target.socket } : { url: target.url! }),
          ...(target.token ? { token: target.token } : {}),
          timeoutMs: c.timeout,
        });
      const found = await s.findDaemon({ env: deps.env ?? process.env });
      return new s.IncidentsClient({ ...found, timeoutMs: c.timeout });
    })().catch((err: unknown) => {
      client = undefined; // found again on the next attempt
      throw err;
    }));
  return new SignalForwarder({
    send: async (batch) => void (await (await get()).signals(batch)),
    clock: deps.clock,
    log: deps.log,
    to: describeTarget(target),
    maxQueue: c.queue,
    retry: { initialMs: c.retry.initial, maxMs: c.retry.max },
  });
}
