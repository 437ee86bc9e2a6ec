// The failover agent under systemd (Type=notify, `holdfast gen systemd --failover -c`): READY=1
// once it runs (campaigning or following), STATUS= with its role and token as leadership changes,
// STOPPING=1 on the way out, and WATCHDOG=1 from a timer on the agent's event loop. A stuck loop
// stops the pings: systemd restarts the agent, and its fence (outside this process) has already
// torn the resources down when the lease's local deadline passed.
import { SdNotifier } from '@holdfast/config/sd-notify';
import type { StampedEvent } from './agent-types.ts';

interface AgentLike {
  on(event: 'event', fn: (e: StampedEvent) => void): unknown;
  off(event: 'event', fn: (e: StampedEvent) => void): unknown;
  readonly log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

/** The STATUS text for an event that changes what the agent is doing, or undefined. */
export function agentStatus(e: StampedEvent): string | undefined {
  switch (e.type) {
    case 'promoted':
      return `leader (fencing token ${e.token})`;
    case 'demoted':
      return `follower (demoted from token ${e.token}: ${e.reason})`;
    case 'health':
      return e.healthy
        ? 'healthy: campaigning or following'
        : `unhealthy: ${e.checks
            .filter((c) => !c.healthy)
            .map((c) => c.name)
            .join(', ')} failing; not campaigning`;
    case 'fence-fired':
      return `fence fired for token ${e.token}: ${e.reason}`;
    default:
      return undefined;
  }
}

export function notifySystemdAgent(agent: AgentLike, env: NodeJS.ProcessEnv = process.env): { stopping(): void } | undefined {
  const n = new SdNotifier({
    env,
    onError: (err, fields) => agent.log.warn({ err: err.message, fields }, `could not notify systemd: ${err.message}`),
  });
  if (!n.enabled) return undefined;
  // Resources the agent starts (exec scripts, programs) must not notify in its name.
  for (const v of SdNotifier.variables) delete env[v];
  void n.ready('running: campaigning or following');
  const onEvent = (e: StampedEvent) => {
    const text = agentStatus(e);
    if (text) void n.status(text);
  };
  agent.on('event', onEvent);
  const problem = n.startWatchdog();
  if (problem) agent.log.error({ watchdogMs: n.watchdogMs }, problem);
  return {
    stopping() {
      agent.off('event', onEvent);
      void n.stopping('demoting and releasing the lease');
    },
  };
}
