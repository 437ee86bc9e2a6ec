// Prometheus metrics of the agent, all prefixed holdfast_failover_. Gauges are read from the
// agent's status at scrape time; counters follow the events stream.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AgentEvent, AgentStatus } from './agent-types.ts';

export class FailoverMetrics {
  readonly registry: Registry;
  readonly #c: {
    transitions: Counter<'event'>;
    demotions: Counter<'reason'>;
    keepaliveFailures: Counter;
    pauses: Counter;
    refused: Counter<'resource'>;
    resourceFailures: Counter<'resource' | 'action'>;
    heartbeatsDropped: Counter<'reason'>;
    demotionSeconds: Histogram;
  };

  constructor(status: () => AgentStatus, registry = new Registry()) {
    this.registry = registry;
    const r = [registry];
    const gauge = (name: string, help: string, labelNames: string[], collect: (g: Gauge<string>) => void) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers: r,
        collect(this: Gauge<string>) {
          this.reset();
          collect(this);
        },
      });
    gauge('holdfast_failover_is_leader', '1 while this node may act as leader (assertLeader passes)', [], (g) =>
      g.set(status().leadership.role === 'leader' && !status().leadership.suspect ? 1 : 0),
    );
    gauge('holdfast_failover_role', 'the leadership role of this node (1 for the current one)', ['role'], (g) =>
      g.set({ role: status().leadership.role }, 1),
    );
    gauge('holdfast_failover_fencing_token', 'fencing token of the term this node leads (0 when following)', [], (g) =>
      g.set(status().leadership.token ?? 0),
    );
    gauge('holdfast_failover_lease_remaining_seconds', 'time left before the local leadership deadline', [], (g) =>
      g.set((status().leadership.deadlineInMs ?? 0) / 1000),
    );
    gauge('holdfast_failover_healthy', '1 when every local health check passes', [], (g) => g.set(status().leadership.healthy ? 1 : 0));
    gauge('holdfast_failover_resource_up', '1 while the resource runs', ['resource', 'kind'], (g) => {
      for (const res of status().resources) g.set({ resource: res.name, kind: res.kind }, res.state === 'running' ? 1 : 0);
    });
    gauge('holdfast_failover_peer_up', '1 while heartbeats arrive from the peer (advisory)', ['peer'], (g) => {
      for (const p of status().peers) g.set({ peer: p.node }, p.alive ? 1 : 0);
    });
    gauge('holdfast_failover_heartbeats_accepted', 'valid heartbeats received', [], (g) => g.set(status().heartbeat?.accepted ?? 0));
    gauge('holdfast_failover_signals_queued', 'incident signals waiting for the supervisor to take them', [], (g) =>
      g.set(status().signals?.queued ?? 0),
    );
    // Totals kept by the forwarder, read at scrape time like the gauges above.
    for (const [name, help, field] of [
      ['holdfast_failover_signals_sent_total', 'incident signals the supervisor took', 'sent'],
      [
        'holdfast_failover_signals_dropped_total',
        'incident signals dropped from a full queue (the supervisor was unreachable too long)',
        'dropped',
      ],
      ['holdfast_failover_signals_refused_total', 'incident signals the supervisor refused as invalid', 'refused'],
      ['holdfast_failover_signal_send_failures_total', 'failed attempts to send signals (each retried)', 'failures'],
    ] as const)
      new Counter({
        name,
        help,
        registers: r,
        collect(this: Counter) {
          this.reset();
          this.inc(status().signals?.[field] ?? 0);
        },
      });
    this.#c = {
      transitions: new Counter({
        name: 'holdfast_failover_transitions_total',
        help: 'leadership transitions by event',
        labelNames: ['event'],
        registers: r,
      }),
      demotions: new Counter({
        name: 'holdfast_failover_demotions_total',
        help: 'demotions by reason',
        labelNames: ['reason'],
        registers: r,
      }),
      keepaliveFailures: new Counter({
        name: 'holdfast_failover_keepalive_failures_total',
        help: 'keep-alives that failed or timed out',
        registers: r,
      }),
      pauses: new Counter({ name: 'holdfast_failover_pauses_total', help: 'event-loop pauses over the threshold', registers: r }),
      refused: new Counter({
        name: 'holdfast_failover_actions_refused_total',
        help: 'resource actions refused by assertLeader()',
        labelNames: ['resource'],
        registers: r,
      }),
      resourceFailures: new Counter({
        name: 'holdfast_failover_resource_failures_total',
        help: 'failed resource actions',
        labelNames: ['resource', 'action'],
        registers: r,
      }),
      heartbeatsDropped: new Counter({
        name: 'holdfast_failover_heartbeats_dropped_total',
        help: 'heartbeats dropped (bad MAC, replay, unknown key…)',
        labelNames: ['reason'],
        registers: r,
      }),
      demotionSeconds: new Histogram({
        name: 'holdfast_failover_demotion_seconds',
        help: 'time from the decision to demote to resources stopped',
        buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
        registers: r,
      }),
    };
  }

  record(e: AgentEvent): void {
    switch (e.type) {
      case 'elected':
      case 'promoted':
      case 'demoting':
      case 'campaign':
        this.#c.transitions.inc({ event: e.type });
        break;
      case 'demoted':
        this.#c.transitions.inc({ event: 'demoted' });
        this.#c.demotions.inc({ reason: e.reason });
        this.#c.demotionSeconds.observe(e.tookMs / 1000);
        break;
      case 'keepalive-failed':
        this.#c.keepaliveFailures.inc();
        break;
      case 'pause':
        this.#c.pauses.inc();
        break;
      case 'action-refused':
        this.#c.refused.inc({ resource: e.resource });
        break;
      case 'resource-failed':
        this.#c.resourceFailures.inc({ resource: e.resource, action: e.action });
        break;
      case 'heartbeat-dropped':
        this.#c.heartbeatsDropped.inc({ reason: e.reason });
        break;
    }
  }
}
