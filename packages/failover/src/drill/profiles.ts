// The drill's timing profiles: the agent's lease TTL and the witness etcd's raft timing.
// etcd grants no lease shorter than ceil(1.5 × election timeout), so the turbo TTL of 1 s needs
// an election timeout of at most ~660 ms; a single-member witness loses nothing by it.
export interface DrillProfile {
  name: 'default' | 'fast' | 'turbo';
  ttlMs: number;
  etcd: { heartbeatMs: number; electionMs: number };
}

export const drillProfiles: Record<DrillProfile['name'], DrillProfile> = {
  default: { name: 'default', ttlMs: 5000, etcd: { heartbeatMs: 100, electionMs: 1000 } },
  fast: { name: 'fast', ttlMs: 2000, etcd: { heartbeatMs: 100, electionMs: 1000 } },
  turbo: { name: 'turbo', ttlMs: 1000, etcd: { heartbeatMs: 50, electionMs: 500 } },
};

export type FaultKind = 'kill' | 'pause' | 'partition' | 'isolate' | 'revoke';
/** Faults of the leader's node: every engine (keepalived too) is measured against them. */
export const faultKinds: readonly FaultKind[] = ['kill', 'pause', 'partition', 'isolate'];
/**
 * A fault of the coordinator: `revoke` ends the leader's etcd lease early (`etcdctl lease
 * revoke`), as an etcd with the early-revoke bug (etcd-io/etcd#15247) can. Two nodes may then
 * believe they lead for a moment; the drill measures how long.
 */
export const coordinatorFaultKinds: readonly FaultKind[] = ['revoke'];
export const allFaultKinds: readonly FaultKind[] = [...faultKinds, ...coordinatorFaultKinds];

/**
 * How long a revoke can let two nodes lead: the old leader learns at the latest at its next keep-alive
 * (one interval plus one request), TTL/5 + TTL/2.
 */
export function revokeOverlapBoundMs(ttlMs: number): number {
  return ttlMs / 5 + ttlMs / 2;
}

/** Addresses of the drill network (198.18.0.0/15 is reserved for benchmarking, RFC 2544). */
export const drillNet = {
  prefix: 24,
  nodes: ['198.18.0.11', '198.18.0.12', '198.18.0.13'],
  client: '198.18.0.20',
  etcd: '198.18.0.30',
  vip: '198.18.0.100',
  servicePort: 8080,
} as const;
