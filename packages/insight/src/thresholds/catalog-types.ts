/** What a registry knows about a metric family: its type and, for histograms, the bucket bounds. */
export interface MetricInfo {
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'unknown';
  buckets?: number[];
}

/** Metric families by name (a counter under its full name, e.g. holdfast_http_requests_total). */
export type MetricCatalog = ReadonlyMap<string, MetricInfo>;
