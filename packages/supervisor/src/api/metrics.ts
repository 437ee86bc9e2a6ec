// Prometheus metrics of the daemon, holdfast_process_* per instance, in the text exposition
// format (version 0.0.4). Written here rather than with prom-client: loading prom-client costs
// the daemon about 8.6 MB of resident memory (88 modules, among them perf_hooks, cluster and
// worker_threads), a seventh of its budget, to format nine metrics computed from one snapshot.
// The output is what prom-client's Registry printed for the same metrics, line for line.
// One status snapshot per scrape feeds every metric, so a scrape reads /proc and the cgroups once.
import type { InstanceStatus } from './types.ts';
import { PROCESS_STATES } from '../state/states.ts';
import { FAULT_KINDS, faultCounts } from '../util/faults.ts';

export interface MetricsSource {
  snapshot(): InstanceStatus[];
}

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

interface Family {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  /** Adds this family's samples for one snapshot; `labels[k]` is instance k's rendered label set. */
  collect(snap: InstanceStatus[], labels: string[], add: (labels: string, value: number) => void): void;
}

const escape = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
// Names rarely need escaping: test once instead of running three replacements per label.
const escapeLabel = (s: string) => (/[\\\n"]/.test(s) ? escape(s).replace(/"/g, '\\"') : s);

/** The exposition format's number: NaN and the infinities have names of their own. */
function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'Nan';
  if (!Number.isFinite(v)) return v < 0 ? '-Inf' : '+Inf';
  return `${v}`;
}

function render(family: Family, snap: InstanceStatus[], labels: string[]): string {
  // Keyed by the rendered label set: a second sample with the same labels (two processes of one
  // slot during a rolling reload) replaces a gauge's value and adds to a counter's, in the
  // position of the first, as prom-client's set() and inc() did.
  const samples = new Map<string, number>();
  family.collect(snap, labels, (key, value) => {
    const prev = samples.get(key);
    samples.set(key, family.type === 'counter' && prev !== undefined ? prev + value : value);
  });
  const name = escape(family.name);
  let out = `# HELP ${name} ${escape(family.help)}\n# TYPE ${name} ${family.type}`;
  for (const [key, value] of samples) out += `\n${name}${key} ${formatValue(value)}`;
  return out;
}

function gauge(name: string, help: string, value: (i: InstanceStatus) => number | null): Family {
  return {
    name,
    help,
    type: 'gauge',
    collect(snap, labels, add) {
      for (let k = 0; k < snap.length; k++) {
        const v = value(snap[k]!);
        if (v !== null) add(`{${labels[k]}}`, v);
      }
    },
  };
}

/** A counter computed from a running total: absent while unknown, never below 0. */
function counter(name: string, help: string, value: (i: InstanceStatus) => number | null): Family {
  return {
    name,
    help,
    type: 'counter',
    collect(snap, labels, add) {
      for (let k = 0; k < snap.length; k++) {
        const v = value(snap[k]!);
        if (v !== null) add(`{${labels[k]}}`, v > 0 ? v : 0);
      }
    },
  };
}

const FAMILIES: Family[] = [
  {
    name: 'holdfast_process_state',
    help: 'Current state of each instance: 1 for the state it is in, 0 for the others',
    type: 'gauge',
    collect(snap, labels, add) {
      for (let k = 0; k < snap.length; k++)
        for (const s of PROCESS_STATES) add(`{${labels[k]},state="${s}"}`, snap[k]!.state === s ? 1 : 0);
    },
  },
  gauge('holdfast_process_up', '1 when the instance is READY', (i) => (i.state === 'READY' ? 1 : 0)),
  counter('holdfast_process_restarts_total', 'Restarts since the daemon started (automatic and manual)', (i) => i.restarts),
  counter('holdfast_process_oom_kills_total', 'OOM kills in the instance cgroup', (i) => i.oomKills),
  counter('holdfast_process_cpu_seconds_total', 'CPU time of the instance (its cgroup, or its main process)', (i) => i.cpuSeconds),
  gauge('holdfast_process_memory_bytes', 'Memory of the instance (cgroup usage, or main process RSS)', (i) => i.memoryBytes),
  gauge('holdfast_process_start_time_seconds', 'When the running process started, Unix time', (i) =>
    i.startedAt ? Date.parse(i.startedAt) / 1000 : null,
  ),
  counter(
    'holdfast_process_log_dropped_bytes_total',
    'Output bytes dropped because the log file could not keep up',
    (i) => i.logs.stdout.droppedBytes + (i.logs.stderr.file === i.logs.stdout.file ? 0 : i.logs.stderr.droppedBytes),
  ),
  {
    name: 'holdfast_supervisor_resident_memory_bytes',
    help: 'Resident memory of the supervisor daemon itself',
    type: 'gauge',
    collect(_snap, _labels, add) {
      add('', process.memoryUsage.rss());
    },
  },
  {
    name: 'holdfast_supervisor_internal_errors_total',
    help: 'Errors the daemon survived: bookkeeping that failed (a full disk, no descriptors) and what reached its last-resort handlers',
    type: 'counter',
    collect(_snap, _labels, add) {
      const counts = faultCounts();
      for (const kind of FAULT_KINDS) add(`{kind="${kind}"}`, counts[kind]);
    },
  },
];

/** The exposition text for one snapshot. */
export function renderMetrics(snap: InstanceStatus[]): string {
  // Each instance's labels are rendered once per scrape, not once per sample.
  const labels = snap.map((i) => `program="${escapeLabel(i.program)}",instance="${escapeLabel(i.id)}"`);
  return `${FAMILIES.map((f) => render(f, snap, labels)).join('\n\n')}\n`;
}

export function createMetrics(source: MetricsSource): Promise<{ contentType: string; render(): Promise<string> }> {
  return Promise.resolve({ contentType: METRICS_CONTENT_TYPE, render: () => Promise.resolve(renderMetrics(source.snapshot())) });
}
