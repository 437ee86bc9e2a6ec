// The faults a drill injects into the leader, and how each is healed.
//   kill       SIGKILL of the leader's agent (its fence companion lives on and must act)
//   pause      SIGSTOP of the agent for longer than the TTL, then SIGCONT
//   partition  the leader's link taken down at the switch side: its eth0 loses carrier
//   isolate    the leader's switch port set to "disabled": the link stays up on both ends
//              (carrier, addresses, routes all look fine) but no frame passes either way
//   revoke     the leader's etcd lease revoked with `etcdctl lease revoke` (run in the etcd
//              namespace): the lease ends early, as with etcd-io/etcd#15247; nothing to heal
import { FailoverError } from '../errors.ts';
import { runCommand } from '../resources/command.ts';
import type { FaultKind } from './profiles.ts';
import type { LabHost } from './netns.ts';

export interface Fault {
  kind: FaultKind;
  /** Undo it (no-op for kill); safe to call twice. */
  heal(): Promise<void>;
}

async function must(file: string, args: string[]): Promise<void> {
  const r = await runCommand(file, args);
  if (r.code !== 0) {
    throw new FailoverError('HOLDFAST_E_DRILL_FAILED', `cannot inject the fault: '${file} ${args.join(' ')}' failed: ${r.stderr.trim()}`);
  }
}

/** Where the drill's etcd answers, for the coordinator faults. */
export interface EtcdTarget {
  netns: string;
  endpoint: string;
  /** The leader key of the drill's cluster. */
  leaderKey: string;
}

/** Revokes the lease the leader key is bound to, as an operator (or a buggy etcd) would; returns its id in hex. */
async function revokeLeaderLease(etcd: EtcdTarget): Promise<string> {
  const etcdctl = (args: string[]) =>
    runCommand('ip', ['netns', 'exec', etcd.netns, 'etcdctl', '--endpoints', etcd.endpoint, ...args], { env: { ETCDCTL_API: '3' } });
  const got = await etcdctl(['get', etcd.leaderKey, '-w', 'json']);
  if (got.code !== 0)
    throw new FailoverError(
      'HOLDFAST_E_DRILL_FAILED',
      `cannot inject the fault: etcdctl ` +
        `get ${etcd.leaderKey} ` +
        `failed: ${got.stderr.trim()} (is etcdctl installed? ` +
        `apt-get install etcd-client)`,
    );
  // The lease id is a 64-bit integer: read it as text, not through a double.
  const lease = /"lease":\s*(\d+)/.exec(got.stdout)?.[1];
  if (!lease)
    throw new FailoverError(
      'HOLDFAST_E_DRILL_FAILED',
      `cannot inject the fault: the leader key ${etcd.leaderKey} has no lease: ${got.stdout.trim().slice(0, 200)}`,
    );
  const hex = BigInt(lease).toString(16);
  const revoked = await etcdctl(['lease', 'revoke', hex]);
  if (revoked.code !== 0)
    throw new FailoverError(
      'HOLDFAST_E_DRILL_FAILED',
      `cannot inject the fault: etcdctl lease revoke ${hex} failed: ${revoked.stderr.trim()}`,
    );
  return hex;
}

export async function injectFault(
  kind: FaultKind,
  target: { host: LabHost; agentPid: number; group?: boolean; etcd?: EtcdTarget },
): Promise<Fault> {
  const { host } = target;
  // A negative pid signals the whole process group (keepalived's parent and VRRP child).
  const agentPid = target.group ? -target.agentPid : target.agentPid;
  let healed = false;
  const once = (fn: () => Promise<void>) => async () => {
    if (healed) return;
    healed = true;
    await fn();
  };
  switch (kind) {
    case 'kill':
      process.kill(agentPid, 'SIGKILL');
      return { kind, heal: async () => {} };
    case 'pause':
      process.kill(agentPid, 'SIGSTOP');
      return {
        kind,
        heal: once(async () => {
          try {
            process.kill(agentPid, 'SIGCONT');
          } catch {}
        }),
      };
    case 'partition':
      await must('ip', ['link', 'set', host.port, 'down']);
      return { kind, heal: once(() => must('ip', ['link', 'set', host.port, 'up'])) };
    case 'isolate':
      await must('bridge', ['link', 'set', 'dev', host.port, 'state', '0']);
      return { kind, heal: once(() => must('bridge', ['link', 'set', 'dev', host.port, 'state', '3'])) };
    case 'revoke':
      if (!target.etcd)
        throw new FailoverError('HOLDFAST_E_DRILL', "the revoke fault needs the drill's etcd (there is none with keepalived)");
      await revokeLeaderLease(target.etcd);
      return { kind, heal: async () => {} };
  }
}
