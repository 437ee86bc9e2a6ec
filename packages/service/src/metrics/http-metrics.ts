// Prometheus metrics of the service: requests by route template (never raw URLs, so 404 floods
// and IDs in paths cannot explode the series), duration histogram, in-flight gauge, lifecycle
// state and event-loop delay. One registry per service, so several services (and tests) can
// live in one process.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { LIFECYCLE_STATES, type LifecycleState } from '../lifecycle.ts';

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

interface Children {
  count: Counter.Internal;
  duration: Histogram.Internal<'method' | 'route' | 'status'>;
}

export class HttpMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'method' | 'route' | 'status'>;
  readonly #duration: Histogram<'method' | 'route' | 'status'>;
  readonly inFlight: Gauge;
  readonly #state: Gauge<'state'>;
  readonly #loopDelay: Histogram;
  // prom-client hashes label values on every call; binding a child per (route, method,
  // status) once keeps the per-request cost to three map lookups on strings whose hashes are
  // already cached (route templates and methods are the same string objects every time).
  readonly #children = new Map<string, Map<string, Map<number, Children>>>();

  constructor(opts: { service: string; buckets: number[]; defaultMetrics: boolean }) {
    this.registry.setDefaultLabels({ service: opts.service });
    this.#requests = new Counter({ name: 'holdfast_http_requests_total', help: 'HTTP requests by method, route template and status code', labelNames: ['method', 'route', 'status'], registers: [this.registry] });
    this.#duration = new Histogram({ name: 'holdfast_http_request_duration_seconds', help: 'HTTP request duration by method, route template and status code', labelNames: ['method', 'route', 'status'], buckets: opts.buckets, registers: [this.registry] });
    this.inFlight = new Gauge({ name: 'holdfast_http_requests_in_flight', help: 'HTTP requests being served', registers: [this.registry] });
    this.#state = new Gauge({ name: 'holdfast_lifecycle_state', help: 'Lifecycle state of the service: 1 for the current state, 0 for the others', labelNames: ['state'], registers: [this.registry] });
    this.#loopDelay = new Histogram({
      name: 'holdfast_event_loop_delay_seconds',
      help: 'Event-loop delay: how late a timer scheduled every sample period fired',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry });
    this.setState('STARTING');
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    const m = KNOWN_METHODS.has(method) ? method : 'OTHER';
    let byMethod = this.#children.get(route);
    if (!byMethod) {
      byMethod = new Map();
      this.#children.set(route, byMethod);
    }
    let byStatus = byMethod.get(m);
    if (!byStatus) {
      byStatus = new Map();
      byMethod.set(m, byStatus);
    }
    let c = byStatus.get(status);
    if (!c) {
      const labels = { method: m, route, status: String(status) };
      c = { count: this.#requests.labels(labels), duration: this.#duration.labels(labels) };
      byStatus.set(status, c);
    }
    c.count.inc();
    c.duration.observe(seconds);
  }

  setState(state: LifecycleState): void {
    for (const s of LIFECYCLE_STATES) this.#state.set({ state: s }, s === state ? 1 : 0);
  }

  observeLoopDelay(ms: number): void {
    this.#loopDelay.observe(ms / 1000);
  }
}
