// The `health` module: background checks with rise/fall hysteresis, the event-loop watchdog
// behind liveness, and the three probe routes. The core reads readiness from it; other modules
// register their checks on it.
import type { ServiceModule } from '../module.ts';
import { HealthRegistry, type CheckFn, type CheckOptions, type CheckReport } from './checks.ts';
import { LoopMonitor } from './loop-monitor.ts';
import { installProbes } from './probes.ts';
import { ReadinessPollers } from './readiness-pollers.ts';

/** `service.health`. */
export interface HealthApi {
  register(name: string, fn: CheckFn, options?: CheckOptions): void;
  /** The last verdict of every check. */
  checks(): Record<string, CheckReport>;
  live(): boolean;
  ready(): boolean;
}

export interface HealthModuleApi {
  readonly public: HealthApi;
  readonly checks: HealthRegistry;
  /** Who polls readiness (the drain waits for them). */
  readonly pollers: ReadinessPollers;
}

// The holdfast supervisor's own probe: it sends no traffic, and it is the one stopping us.
const SUPERVISOR_PROBE = 'holdfast-probe';

export const healthModule: ServiceModule<'health'> = {
  name: 'health',
  dependencies: ['metrics'],
  install(ctx) {
    const o = ctx.options;
    const metrics = ctx.use('metrics');
    const checks = new HealthRegistry();
    const pollers = new ReadinessPollers();
    const monitor = new LoopMonitor({ ...o.watchdog, onSample: metrics.http ? (ms) => metrics.http!.observeLoopDelay(ms) : undefined });
    installProbes(ctx.adminApp, o.probes, {
      state: ctx.lifecycle.state,
      started: ctx.lifecycle.started,
      live: () => monitor.live(),
      ready: ctx.lifecycle.ready,
      checks: () => checks.reports(),
      readinessAnswered: (req, ready) => {
        const agent = req.headers['user-agent'] ?? '';
        if (agent !== SUPERVISOR_PROBE) pollers.answered(`${req.ip} ${agent}`, ready);
      },
    });
    checks.on('change', (name, report) => {
      ctx.logger[report.status === 'pass' ? 'info' : 'warn']({ check: name, ...report }, `health check '${name}' is now ${report.status}`);
    });
    return {
      api: {
        checks,
        pollers,
        public: {
          register: (name, fn, options) => checks.register(name, fn, options),
          checks: () => checks.reports(),
          live: () => monitor.live().ok,
          ready: ctx.lifecycle.ready,
        },
      },
      listening() {
        monitor.start();
        checks.start();
      },
      quiesce() {
        checks.stop();
        monitor.stop();
      },
    };
  },
};
