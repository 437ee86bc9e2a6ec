// The `metrics` module: the service's Prometheus registry, request counts by route template,
// in-flight requests, the lifecycle state and the event-loop delay, served on the admin app (or
// the main one) at `probes.metrics`. With `metrics.enabled: false` it installs nothing and other
// modules see no registry.
import type { Registry } from 'prom-client';
import type { ServiceModule } from '../module.ts';
import { HttpMetrics } from './http-metrics.ts';

export interface MetricsModuleApi {
  /** The registry served at /metrics (`service.registry`); undefined when metrics are off. */
  readonly registry: Registry | undefined;
  readonly http: HttpMetrics | undefined;
}

export const metricsModule: ServiceModule<'metrics'> = {
  name: 'metrics',
  dependencies: [],
  install(ctx) {
    const o = ctx.options;
    if (!o.metrics.enabled) return { api: { registry: undefined, http: undefined } };
    const http = new HttpMetrics({
      service: o.name,
      buckets: o.metrics.buckets,
      defaultMetrics: o.metrics.defaultMetrics,
      inFlight: ctx.server.inFlight,
    });
    ctx.server.countRequests(http);
    ctx.lifecycle.onChange((state) => http.setState(state));
    const registry = http.registry;
    ctx.adminApp.get(o.probes.metrics, async (_req, reply) =>
      reply.header('content-type', registry.contentType).send(await registry.metrics()),
    );
    return { api: { registry, http } };
  },
};
