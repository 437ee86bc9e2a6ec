// Prometheus metrics of the service: requests by route template (never raw URLs, so 404 floods
// and IDs in paths cannot explode the series), duration histogram, in-flight gauge, lifecycle
// state and event-loop delay. One registry per service, so several services (and tests) can
// live in one process. Request counts live in RequestSeries (plain numbers, read at scrape).
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { LIFECYCLE_STATES, type LifecycleState } from '../lifecycle.ts';
import { RequestSeries } from './request-series.ts';

export class HttpMetrics {
  readonly registry = new Registry();
  readonly #requests: RequestSeries;
  readonly #state: Gauge<'state'>;
  readonly #loopDelay: Histogram;

  constructor(opts: { service: string; buckets: number[]; defaultMetrics: boolean; inFlight: () => number }) {
    this.registry.setDefaultLabels({ service: opts.service });
    this.#requests = new RequestSeries(opts.buckets);
    this.#requests.register(this.registry);
    const inFlight = opts.inFlight;
    // Read at scrape time instead of inc/dec on every request.
    new Gauge({
      name: 'holdfast_http_requests_in_flight',
      help: 'HTTP requests being served',
      registers: [this.registry],
      collect() {
        this.set(inFlight());
      },
    });
    this.#state = new Gauge({
      name: 'holdfast_lifecycle_state',
      help: 'Lifecycle state of the service: 1 for the current state, 0 for the others',
      labelNames: ['state'],
      registers: [this.registry],
    });
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
    this.#requests.observe(method, route, status, seconds);
  }

  setState(state: LifecycleState): void {
    for (const s of LIFECYCLE_STATES) this.#state.set({ state: s }, s === state ? 1 : 0);
  }

  observeLoopDelay(ms: number): void {
    this.#loopDelay.observe(ms / 1000);
  }
}
