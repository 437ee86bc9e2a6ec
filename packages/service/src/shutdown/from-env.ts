// The shutdown budget as whoever stops the process sets it. `holdfast gen k8s` and the holdfast
// supervisor say how long they wait between SIGTERM and SIGKILL through
// HOLDFAST_TERMINATION_GRACE_MS (Kubernetes: terminationGracePeriodSeconds minus the preStop
// sleep; the supervisor: the program's stopTimeoutMs). That is a fact about this process's
// environment, not a preference: past it the process is killed mid-drain, with no response, no
// hooks and no report. So it caps terminationGracePeriodMs, and a longer option is trimmed with
// a warning instead of overrunning it. HOLDFAST_SHUTDOWN_DELAY_MS applies when the option is unset.
import { ServiceOptionsError } from '../errors.ts';
import { maxUnreadyMs } from './budget.ts';

export interface ShutdownTiming {
  terminationGracePeriodMs: number;
  shutdownDelayMs: number | undefined;
}

function envMs(env: NodeJS.ProcessEnv, name: string, option: string, min: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min)
    throw new ServiceOptionsError([
      {
        option,
        message: `the ${name} environment variable is '${raw}', not a number of milliseconds${min > 0 ? ` (at least ${min})` : ''}`,
      },
    ]);
  return n;
}

/**
 * `given`: the options as the application wrote them (undefined: not set); `defaults`: the
 * schema's. `warn` receives what was adjusted, for the log.
 */
export function shutdownTiming(
  given: Partial<ShutdownTiming>,
  defaultGraceMs: number,
  env: NodeJS.ProcessEnv,
  warn: (message: string) => void,
): ShutdownTiming {
  const envGrace = envMs(env, 'HOLDFAST_TERMINATION_GRACE_MS', 'terminationGracePeriodMs', 1);
  const envDelay = envMs(env, 'HOLDFAST_SHUTDOWN_DELAY_MS', 'shutdownDelayMs', 0);
  let grace = given.terminationGracePeriodMs ?? envGrace ?? defaultGraceMs;
  if (envGrace !== undefined && envGrace < grace) {
    warn(
      `terminationGracePeriodMs ` +
        `is ${grace} ms, but HOLDFAST_TERMINATION_GRACE_MS says this process is ` +
        `killed ${envGrace} ms after SIGTERM: draining within ${envGrace} ms`,
    );
    grace = envGrace;
  }
  let delay = given.shutdownDelayMs ?? envDelay ?? (env.KUBERNETES_SERVICE_HOST ? 5000 : undefined);
  if (delay !== undefined && delay >= grace - 1000) {
    const message =
      `${delay} ms leaves no time to drain within terminationGracePeriodMs ` + `(${grace} ms); keep it well ` + `under the grace period`;
    // Both written by the application: its mistake to fix. Otherwise the environment decided,
    // and the service must still start: keep serving for at most half the budget.
    if (given.shutdownDelayMs !== undefined && given.terminationGracePeriodMs !== undefined && grace === given.terminationGracePeriodMs)
      throw new ServiceOptionsError([{ option: 'shutdownDelayMs', message }]);
    const capped = Math.min(delay, maxUnreadyMs(grace));
    warn(`shutdownDelayMs: ${message}; using ${capped} ms`);
    delay = capped;
  }
  return { terminationGracePeriodMs: grace, shutdownDelayMs: delay };
}
