// Request counts and durations kept in plain numbers per (route, method, status) and handed to
// prom-client only when /metrics is scraped. prom-client hashes the label values on every
// observe(), even through a bound child; on the request path that costs more than the rest of
// the bookkeeping together. The output is the same counter and histogram families.
import type { Registry } from 'prom-client';

interface Series {
  labels: { method: string; route: string; status: string };
  count: number;
  sum: number;
  /** Non-cumulative count per bucket (index i: value <= bounds[i], > bounds[i-1]). */
  buckets: Float64Array;
}

interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** The part of prom-client's metric contract a Registry calls. */
interface CollectedMetric {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  get(): Promise<{ name: string; help: string; type: string; values: MetricValue[]; aggregator: string }>;
  reset(): void;
}

/** The method label: the standard methods as they are, anything else as OTHER (bounded series). */
function methodLabel(method: string): string {
  switch (method) {
    case 'GET':
    case 'POST':
    case 'PUT':
    case 'DELETE':
    case 'PATCH':
    case 'HEAD':
    case 'OPTIONS':
      return method;
    default:
      return 'OTHER';
  }
}

export class RequestSeries {
  readonly #bounds: number[];
  readonly #byRoute = new Map<string, Map<string, Map<number, Series>>>();
  readonly #all: Series[] = [];

  constructor(bounds: number[]) {
    this.#bounds = [...bounds].sort((a, b) => a - b);
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    const m = methodLabel(method);
    let byMethod = this.#byRoute.get(route);
    if (byMethod === undefined) this.#byRoute.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(m);
    if (byStatus === undefined) byMethod.set(m, (byStatus = new Map()));
    let s = byStatus.get(status);
    if (s === undefined) {
      s = { labels: { method: m, route, status: String(status) }, count: 0, sum: 0, buckets: new Float64Array(this.#bounds.length) };
      byStatus.set(status, s);
      this.#all.push(s);
    }
    s.count++;
    s.sum += seconds;
    const b = this.#bounds;
    for (let i = 0; i < b.length; i++) {
      if (seconds <= b[i]!) {
        s.buckets[i]!++;
        break;
      }
    }
  }

  /** Registers `holdfast_http_requests_total` and `holdfast_http_request_duration_seconds`. */
  register(registry: Registry): void {
    const all = this.#all;
    const bounds = this.#bounds;
    const counter: CollectedMetric = {
      name: 'holdfast_http_requests_total',
      help: 'HTTP requests by method, route template and status code',
      type: 'counter',
      aggregator: 'sum',
      get: async () => ({
        name: counter.name,
        help: counter.help,
        type: 'counter',
        aggregator: 'sum',
        values: all.map((s) => ({ labels: { ...s.labels }, value: s.count })),
      }),
      reset: () => this.#reset(),
    };
    const histogram: CollectedMetric = {
      name: 'holdfast_http_request_duration_seconds',
      help: 'HTTP request duration by method, route template and status code',
      type: 'histogram',
      aggregator: 'sum',
      get: async () => {
        const values: MetricValue[] = [];
        for (const s of all) {
          let acc = 0;
          for (let i = 0; i < bounds.length; i++) {
            acc += s.buckets[i]!;
            values.push({ labels: { le: bounds[i]!, ...s.labels }, value: acc, metricName: `${histogram.name}_bucket` });
          }
          values.push({ labels: { le: '+Inf', ...s.labels }, value: s.count, metricName: `${histogram.name}_bucket` });
          values.push({ labels: { ...s.labels }, value: s.sum, metricName: `${histogram.name}_sum` });
          values.push({ labels: { ...s.labels }, value: s.count, metricName: `${histogram.name}_count` });
        }
        return { name: histogram.name, help: histogram.help, type: 'histogram', aggregator: 'sum', values };
      },
      reset: () => this.#reset(),
    };
    registry.registerMetric(counter as never);
    registry.registerMetric(histogram as never);
  }

  #reset(): void {
    for (const s of this.#all) {
      s.count = 0;
      s.sum = 0;
      s.buckets.fill(0);
    }
  }
}
