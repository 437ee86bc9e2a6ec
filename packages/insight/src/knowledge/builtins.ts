// The rules holdfast itself raises incidents with, when no knowledge-base entry claims a signal:
// the supervisor's program events, the failover agent's and the guard's. They are rules like any
// other in the alert ledger: owner, severity, trigger, runbook, action.
import type { Severity, SignalKind } from '../incidents/signal.ts';

export interface BuiltinRule {
  kind: SignalKind;
  category: string;
  /** When the signal carries none of its own (the source may know better: a planned switchover is no warning). */
  severity: Severity;
  trigger: string;
  runbook: string[];
  /** How long the condition must last before an incident opens (Prometheus' `for:`), where a moment of it is no incident. */
  for?: { text: string; ms: number };
}

export const BUILTIN_RULES: readonly BuiltinRule[] = [
  {
    kind: 'program.crash_loop',
    category: 'crash-loop',
    severity: 'error',
    trigger: 'an instance crashed again and again: it restarted 3 times within 60 s',
    runbook: [
      'holdfast logs <program> --lines 200: the last output says why it exits',
      'holdfast status <program>: the last exit (code, signal, OOM)',
      'a bad deploy? holdfast reload <program> after a rollback',
    ],
  },
  {
    kind: 'program.fatal',
    category: 'fatal',
    severity: 'critical',
    trigger: 'an instance gave up: it failed to start more times in a row than startRetries (state FATAL)',
    runbook: [
      'holdfast status <program>: the fatal reason',
      'holdfast logs <program>: the output of the failed starts',
      'fix the cause, then holdfast start <program>',
    ],
  },
  {
    kind: 'program.oom',
    category: 'out-of-memory',
    severity: 'error',
    trigger: "the kernel's OOM killer killed an instance at its cgroup memory limit",
    runbook: ['holdfast status <program>: memory and OOM kills', 'a leak? compare heap snapshots; a real need? raise limits.memory'],
  },
  {
    kind: 'program.liveness',
    category: 'liveness',
    severity: 'warning',
    trigger: 'the liveness probe failed failureThreshold times in a row and the instance was restarted',
    runbook: ['holdfast logs <program>: was it stuck (event loop, deadlock) or slow?', 'check the probe timeout against the real latency'],
  },
  {
    kind: 'failover.promotion',
    category: 'failover',
    severity: 'warning',
    trigger:
      'a node became the leader: warning when the previous leader lost its lease (an unplanned failover), ' +
      'info for a first election or a planned handover',
    runbook: [
      'holdfast failover status: who leads, since when, with which token',
      'find out why the old leader lost the lease (host, network, etcd)',
    ],
  },
  {
    kind: 'failover.fence',
    category: 'fencing',
    severity: 'critical',
    trigger: 'the fence fired: a former leader was cut off so two nodes never act at once',
    runbook: ['holdfast failover status on every node', 'check the fenced node before it rejoins'],
  },
  {
    kind: 'failover.drill_failed',
    category: 'drill',
    severity: 'error',
    trigger:
      'a failover drill did not recover within TTL + 3 s or could not run (warning), or two nodes held the VIP ' +
      'or led at once (critical)',
    runbook: ['holdfast drill failover --keep-logs: read the drill logs'],
  },
  {
    kind: 'guard.breaker_open',
    category: 'dependency',
    severity: 'warning',
    trigger: 'a circuit breaker opened: calls to a resource fail or are too slow',
    runbook: ['check the resource the breaker guards (labels.resource)', 'the breaker half-opens after its retry timeout by itself'],
  },
  // Armed is not yet shedding (requests go only past the capacity estimate), and a service's event
  // loop stalls for a few seconds while it or its neighbours start, or while the host is busy: an
  // idle process that is not scheduled measures that as event-loop delay. Those moments disarm
  // within seconds and are no incident; a process overloaded for 30 s is.
  {
    kind: 'guard.shedding',
    category: 'overload',
    severity: 'warning',
    trigger:
      "the guard's adaptive system protection stayed armed for 30 s (the process was overloaded and shed requests " +
      'past its capacity estimate)',
    for: { text: '30s', ms: 30_000 },
    runbook: ['holdfast status: CPU and memory of the program', 'scale out, or raise the system rule thresholds if they are too strict'],
  },
  {
    kind: 'drill.synthetic',
    category: 'drill',
    severity: 'info',
    trigger: 'holdfast drill alerts fired it',
    runbook: ['nothing to do: a drill'],
  },
];

const byKind = new Map(BUILTIN_RULES.map((r) => [r.kind, r]));
export const builtinFor = (kind: SignalKind): BuiltinRule | undefined => byKind.get(kind);
