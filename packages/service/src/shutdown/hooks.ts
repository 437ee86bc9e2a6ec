// onShutdown hooks: run in reverse registration order (what started last stops first), each
// under its own timeout and never past the overall deadline. A hook that throws or hangs is
// reported and the next one still runs.
import { ServiceError } from '../errors.ts';

export type ShutdownHook = (ctx: { signal: AbortSignal; reason: string }) => unknown;

export interface RegisteredHook {
  name: string;
  fn: ShutdownHook;
  timeoutMs: number;
}

/** A validated hook; `api` names the method that registers it, for the error. */
export function validHook(api: string, name: string, fn: ShutdownHook, timeoutMs: number): RegisteredHook {
  if (typeof name !== 'string' || !name) throw new ServiceError('HOLDFAST_E_OPTIONS', `${api}: name must be a non-empty string`);
  if (typeof fn !== 'function') throw new ServiceError('HOLDFAST_E_OPTIONS', `${api}('${name}'): fn must be a function`);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new ServiceError('HOLDFAST_E_OPTIONS', `${api}('${name}'): timeoutMs must be a positive number, got ${timeoutMs}`);
  return { name, fn, timeoutMs };
}

export interface HookResult {
  name: string;
  status: 'ok' | 'error' | 'timeout' | 'skipped';
  ms: number;
  error?: string;
}

export async function runHooks(
  hooks: readonly RegisteredHook[],
  reason: string,
  deadline: number,
  now: () => number = () => performance.now(),
): Promise<HookResult[]> {
  const results: HookResult[] = [];
  for (const hook of [...hooks].reverse()) {
    const remaining = deadline - now();
    if (remaining <= 0) {
      results.push({ name: hook.name, status: 'skipped', ms: 0, error: 'no time left before the shutdown deadline' });
      continue;
    }
    const limit = Math.min(hook.timeoutMs, remaining);
    const ac = new AbortController();
    const t0 = now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const outcome = await Promise.race([
        Promise.resolve()
          .then(() => hook.fn({ signal: ac.signal, reason }))
          .then(() => 'ok' as const),
        new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), limit);
        }),
      ]);
      if (outcome === 'timeout') {
        ac.abort();
        results.push({
          name: hook.name,
          status: 'timeout',
          ms: Math.round(now() - t0),
          error: `did not finish within ${Math.round(limit)} ms`,
        });
      } else {
        results.push({ name: hook.name, status: 'ok', ms: Math.round(now() - t0) });
      }
    } catch (err) {
      results.push({
        name: hook.name,
        status: 'error',
        ms: Math.round(now() - t0),
        error: err instanceof Error ? err.message : String(err),
      });
    } finally {
      clearTimeout(timer);
    }
  }
  return results;
}
