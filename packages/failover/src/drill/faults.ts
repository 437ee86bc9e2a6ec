// The faults a drill injects into the leader, and how each is healed.
//   kill       SIGKILL of the leader's agent (its fence companion lives on and must act)
//   pause      SIGSTOP of the agent for longer than the TTL, then SIGCONT
//   partition  the leader's link taken down at the switch side: its eth0 loses carrier
//   isolate    the leader's switch port set to "disabled": the link stays up on both ends
//              (carrier, addresses, routes all look fine) but no frame passes either way
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
  if (r.code !== 0) throw new FailoverError('HOLDFAST_E_DRILL_FAILED', `cannot inject the fault: '${file} ${args.join(' ')}' failed: ${r.stderr.trim()}`);
}

export async function injectFault(kind: FaultKind, target: { host: LabHost; agentPid: number; group?: boolean }): Promise<Fault> {
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
  }
}
