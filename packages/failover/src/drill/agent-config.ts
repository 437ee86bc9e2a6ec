// The cluster config each drill node's agent runs with: etcd witness, the profile's TTL, one VIP
// on eth0 in front of the node's HTTP service, the companion fence, a status socket.
import type { ClusterConfigInput } from '../config.ts';
import { drillNet, type DrillProfile } from './profiles.ts';

export function drillAgentConfig(opts: {
  node: string;
  priority: number;
  etcd: string;
  profile: DrillProfile;
  statusSocket: string;
}): ClusterConfigInput {
  return {
    name: 'drill',
    node: opts.node,
    priority: opts.priority,
    coordinator: { kind: 'etcd', endpoints: [opts.etcd], profile: opts.profile.name },
    health: [{ name: 'service', http: `http://127.0.0.1:${drillNet.servicePort}/`, interval: 200, timeout: 500, rise: 1, fall: 3 }],
    resources: [{ kind: 'vip', name: 'vip', address: `${drillNet.vip}/${drillNet.prefix}`, interface: 'eth0', interval: 500 }],
    fences: [{ kind: 'companion', maxValid: opts.profile.ttlMs }],
    status: { socket: opts.statusSocket },
  };
}
