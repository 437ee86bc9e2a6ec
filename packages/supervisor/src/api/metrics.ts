// Prometheus metrics of the daemon, holdfast_process_* per instance. prom-client is imported on
// the first scrape only: a daemon nobody scrapes never loads it. One status snapshot per scrape
// feeds every metric, so a scrape reads /proc and the cgroups once.
import type { InstanceStatus } from './types.ts';
import { PROCESS_STATES } from '../state/states.ts';

export interface MetricsSource {
  snapshot(): InstanceStatus[];
}

export async function createMetrics(source: MetricsSource): Promise<{ contentType: string; render(): Promise<string> }> {
  const { Registry, Gauge, Counter } = await import('prom-client');
  const registry = new Registry();
  let snap: InstanceStatus[] = [];
  const labels = (i: InstanceStatus) => ({ program: i.program, instance: i.id });
  const gauge = (name: string, help: string, value: (i: InstanceStatus) => number | null, extra: string[] = []) =>
    new Gauge({
      name,
      help,
      labelNames: ['program', 'instance', ...extra],
      registers: [registry],
      collect() {
        this.reset();
        for (const i of snap) {
          const v = value(i);
          if (v !== null) this.set(labels(i), v);
        }
      },
    });
  const counter = (name: string, help: string, value: (i: InstanceStatus) => number | null) =>
    new Counter({
      name,
      help,
      labelNames: ['program', 'instance'],
      registers: [registry],
      collect() {
        this.reset();
        for (const i of snap) {
          const v = value(i);
          if (v !== null && v > 0) this.inc(labels(i), v);
          else if (v !== null) this.inc(labels(i), 0);
        }
      },
    });
  new Gauge({
    name: 'holdfast_process_state',
    help: 'Current state of each instance: 1 for the state it is in, 0 for the others',
    labelNames: ['program', 'instance', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const i of snap) for (const s of PROCESS_STATES) this.set({ ...labels(i), state: s }, i.state === s ? 1 : 0);
    },
  });
  gauge('holdfast_process_up', '1 when the instance is READY', (i) => (i.state === 'READY' ? 1 : 0));
  counter('holdfast_process_restarts_total', 'Restarts since the daemon started (automatic and manual)', (i) => i.restarts);
  counter('holdfast_process_oom_kills_total', 'OOM kills in the instance cgroup', (i) => i.oomKills);
  counter('holdfast_process_cpu_seconds_total', 'CPU time of the instance (its cgroup, or its main process)', (i) => i.cpuSeconds);
  gauge('holdfast_process_memory_bytes', 'Memory of the instance (cgroup usage, or main process RSS)', (i) => i.memoryBytes);
  gauge('holdfast_process_start_time_seconds', 'When the running process started, Unix time', (i) => (i.startedAt ? Date.parse(i.startedAt) / 1000 : null));
  counter('holdfast_process_log_dropped_bytes_total', 'Output bytes dropped because the log file could not keep up', (i) => i.logs.stdout.droppedBytes + (i.logs.stderr.file === i.logs.stdout.file ? 0 : i.logs.stderr.droppedBytes));
  new Gauge({
    name: 'holdfast_supervisor_resident_memory_bytes',
    help: 'Resident memory of the supervisor daemon itself',
    registers: [registry],
    collect() {
      this.set(process.memoryUsage.rss());
    },
  });
  return {
    contentType: registry.contentType,
    async render() {
      snap = source.snapshot();
      return registry.metrics();
    },
  };
}
