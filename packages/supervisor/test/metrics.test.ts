// The daemon's Prometheus exposition, rendered without a process: exact lines (what prom-client
// printed for the same metrics before the daemon stopped loading it), label escaping, unknown
// values left out, counters never negative, one sample per label set.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import type { InstanceStatus } from '../src/index.ts';
import { METRICS_CONTENT_TYPE, renderMetrics } from '../src/api/metrics.ts';

const log = (file: string | null, droppedBytes = 0) => ({ file, droppedBytes, error: null });

function instance(over: Partial<InstanceStatus> & Pick<InstanceStatus, 'id' | 'program' | 'state'>): InstanceStatus {
  return {
    key: over.id,
    index: 0,
    group: null,
    pid: null,
    since: '2026-01-02T03:04:05.000Z',
    startedAt: null,
    readyAt: null,
    uptimeMs: null,
    restarts: 0,
    failedStarts: 0,
    oomKills: 0,
    lastExit: null,
    fatalReason: null,
    retryAt: null,
    waitingFor: [],
    cpuPercent: null,
    cpuSeconds: null,
    memoryBytes: null,
    logs: { stdout: log(null), stderr: log(null) },
    notifyStatus: null,
    metricsUrl: null,
    role: null,
    ...over,
  };
}

/** The lines of one family (HELP, TYPE, samples). */
function family(text: string, name: string): string[] {
  const block = text.split('\n\n').find((b) => b.startsWith(`# HELP ${name} `));
  assert.ok(block, `no ${name} in\n${text}`);
  return block.trimEnd().split('\n');
}

test('every family in the exposition format, with HELP and TYPE, blocks separated by a blank line', () => {
  const text = renderMetrics([
    instance({
      id: 'web:0',
      program: 'web',
      state: 'READY',
      startedAt: '2026-01-02T03:04:05.678Z',
      restarts: 3,
      cpuSeconds: 1.25,
      memoryBytes: 123456789,
      logs: { stdout: log('/a', 10), stderr: log('/a', 5) },
    }),
  ]);
  assert.equal(METRICS_CONTENT_TYPE, 'text/plain; version=0.0.4; charset=utf-8');
  assert.ok(text.endsWith('\n') && !text.endsWith('\n\n'));
  assert.deepEqual(family(text, 'holdfast_process_up'), [
    '# HELP holdfast_process_up 1 when the instance is READY',
    '# TYPE holdfast_process_up gauge',
    'holdfast_process_up{program="web",instance="web:0"} 1',
  ]);
  assert.deepEqual(family(text, 'holdfast_process_restarts_total').slice(1), [
    '# TYPE holdfast_process_restarts_total counter',
    'holdfast_process_restarts_total{program="web",instance="web:0"} 3',
  ]);
  assert.deepEqual(family(text, 'holdfast_process_state').slice(2), [
    'holdfast_process_state{program="web",instance="web:0",state="STOPPED"} 0',
    'holdfast_process_state{program="web",instance="web:0",state="STARTING"} 0',
    'holdfast_process_state{program="web",instance="web:0",state="READY"} 1',
    'holdfast_process_state{program="web",instance="web:0",state="BACKOFF"} 0',
    'holdfast_process_state{program="web",instance="web:0",state="STOPPING"} 0',
    'holdfast_process_state{program="web",instance="web:0",state="EXITED"} 0',
    'holdfast_process_state{program="web",instance="web:0",state="FATAL"} 0',
  ]);
  assert.deepEqual(family(text, 'holdfast_process_cpu_seconds_total').slice(2), [
    'holdfast_process_cpu_seconds_total{program="web",instance="web:0"} 1.25',
  ]);
  assert.deepEqual(family(text, 'holdfast_process_memory_bytes').slice(2), [
    'holdfast_process_memory_bytes{program="web",instance="web:0"} 123456789',
  ]);
  assert.deepEqual(family(text, 'holdfast_process_start_time_seconds').slice(2), [
    'holdfast_process_start_time_seconds{program="web",instance="web:0"} 1767323045.678',
  ]);
  // stderr shares stdout's file: its drops are the same bytes, counted once.
  assert.deepEqual(family(text, 'holdfast_process_log_dropped_bytes_total').slice(2), [
    'holdfast_process_log_dropped_bytes_total{program="web",instance="web:0"} 10',
  ]);
  assert.match(family(text, 'holdfast_supervisor_resident_memory_bytes')[2]!, /^holdfast_supervisor_resident_memory_bytes \d+$/);
  assert.deepEqual(
    family(text, 'holdfast_supervisor_internal_errors_total')
      .slice(2)
      .map((l) => l.replace(/\d+$/, 'N')),
    ['{kind="uncaught"}', '{kind="unhandled-rejection"}', '{kind="bookkeeping"}'].map(
      (k) => `holdfast_supervisor_internal_errors_total${k} N`,
    ),
  );
  const names = text
    .split('\n')
    .filter((l) => l.startsWith('# TYPE '))
    .map((l) => l.split(' ')[2]);
  assert.deepEqual(names, [
    'holdfast_process_state',
    'holdfast_process_up',
    'holdfast_process_restarts_total',
    'holdfast_process_oom_kills_total',
    'holdfast_process_cpu_seconds_total',
    'holdfast_process_memory_bytes',
    'holdfast_process_start_time_seconds',
    'holdfast_process_log_dropped_bytes_total',
    'holdfast_supervisor_resident_memory_bytes',
    'holdfast_supervisor_internal_errors_total',
  ]);
});

test('label values escape backslash, double quote and newline', () => {
  const text = renderMetrics([instance({ id: 'we"ird\\na\nme', program: 'p"\\', state: 'BACKOFF' })]);
  assert.deepEqual(family(text, 'holdfast_process_up').slice(2), [
    'holdfast_process_up{program="p\\"\\\\",instance="we\\"ird\\\\na\\nme"} 0',
  ]);
});

test('unknown values are left out, counters never go below 0, large and tiny numbers print as JavaScript does', () => {
  const text = renderMetrics([
    instance({ id: 'a', program: 'a', state: 'STOPPED', restarts: -1, cpuSeconds: 0.000001234, memoryBytes: 2 ** 53 }),
    instance({ id: 'b', program: 'b', state: 'FATAL', restarts: 1e21, logs: { stdout: log('/b', 1), stderr: log('/c', 7) } }),
  ]);
  assert.deepEqual(family(text, 'holdfast_process_restarts_total').slice(2), [
    'holdfast_process_restarts_total{program="a",instance="a"} 0',
    'holdfast_process_restarts_total{program="b",instance="b"} 1e+21',
  ]);
  assert.deepEqual(family(text, 'holdfast_process_cpu_seconds_total').slice(2), [
    'holdfast_process_cpu_seconds_total{program="a",instance="a"} 0.000001234',
  ]);
  assert.deepEqual(family(text, 'holdfast_process_memory_bytes').slice(2), [
    'holdfast_process_memory_bytes{program="a",instance="a"} 9007199254740992',
  ]);
  assert.deepEqual(family(text, 'holdfast_process_start_time_seconds'), [
    '# HELP holdfast_process_start_time_seconds When the running process started, Unix time',
    '# TYPE holdfast_process_start_time_seconds gauge',
  ]);
  assert.deepEqual(family(text, 'holdfast_process_log_dropped_bytes_total').slice(2), [
    'holdfast_process_log_dropped_bytes_total{program="a",instance="a"} 0',
    'holdfast_process_log_dropped_bytes_total{program="b",instance="b"} 8',
  ]);
});

test('two processes of one slot (a rolling reload): one sample, the gauge takes the last value, the counter the sum', () => {
  const text = renderMetrics([
    instance({ id: 'w', program: 'w', state: 'STOPPING', restarts: 2, memoryBytes: 100 }),
    instance({ id: 'x', program: 'x', state: 'READY', restarts: 1, memoryBytes: 5 }),
    instance({ id: 'w', program: 'w', state: 'READY', restarts: 3, memoryBytes: 200 }),
  ]);
  assert.deepEqual(family(text, 'holdfast_process_memory_bytes').slice(2), [
    'holdfast_process_memory_bytes{program="w",instance="w"} 200',
    'holdfast_process_memory_bytes{program="x",instance="x"} 5',
  ]);
  assert.deepEqual(family(text, 'holdfast_process_restarts_total').slice(2), [
    'holdfast_process_restarts_total{program="w",instance="w"} 5',
    'holdfast_process_restarts_total{program="x",instance="x"} 1',
  ]);
});

test('an empty snapshot still names every family', () => {
  const text = renderMetrics([]);
  assert.equal(text.split('\n').filter((l) => l.startsWith('# TYPE ')).length, 10);
  assert.deepEqual(family(text, 'holdfast_process_up'), [
    '# HELP holdfast_process_up 1 when the instance is READY',
    '# TYPE holdfast_process_up gauge',
  ]);
});

test('rendering metrics loads none of the built-ins a metrics library pulls in', () => {
  // prom-client brings perf_hooks, cluster and worker_threads (about 8.6 MB in the daemon).
  const script =
    `const m = await import(${JSON.stringify(new URL('../src/api/metrics.ts', import.meta.url).href)}); m.renderMetrics([]);
    process.stdout.write(JSON.stringify(process.moduleLoadList.filter((x) => /^NativeModule ` +
    `(perf_hooks|cluster|worker_threads)$/.test(x))));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), []);
});
