// `holdfast failover status`: leader, token, lease remaining, peers and resources of an agent.
import { parse } from '../args.ts';
import type { Command } from '../command.ts';
import { agentAnswerError, endpointFrom, endpointOptions, seconds } from './failover-shared.ts';
import type { AgentStatus } from '@holdfast/failover';

const usage = `Usage: holdfast failover status [-c <cluster.yaml>] [--node <name>] [--socket <path>] [--json]

Asks this host's failover agent (through its status endpoint) who leads, with which fencing
token, how long its lease has left, how its peers and resources are doing.

Options:
  -c, --config <file>   the agent's cluster config (finds its status socket)
  --node <name>         the node whose agent to ask, when several run on this host
  --socket <path>       the agent's status socket, instead of -c
  --json                print the status as JSON
  -h, --help            show this help

Exit code: 0 when the agent answered, 1 when it could not be reached.`;

/** The first line of a block is labelled, the ones below it indented to match. */
const label = (name: string, i: number) => (i === 0 ? name.padEnd(10) : ' '.repeat(10));

export function formatStatus(s: AgentStatus): string {
  const l = s.leadership;
  const lines: string[] = [];
  const ttl = seconds(s.coordinator.ttlMs);
  lines.push(`cluster ${s.cluster}, node ${s.node} (pid ${s.pid}), coordinator ${s.coordinator.kind}, lease TTL ${ttl}`);
  const lease = l.deadlineInMs === null ? '' : `, lease ${seconds(l.deadlineInMs)} left${l.suspect ? ' (re-checking after a pause)' : ''}`;
  lines.push(`role       ${l.role}${l.token !== null ? `, token ${l.token}` : ''}${lease}`);
  const switchover = l.switchover ? `, switchover to ${l.switchover.to} pending` : '';
  lines.push(`leader     ${l.leader ? `${l.leader.node} (token ${l.leader.token})` : 'none'}${switchover}`);
  const checks = s.health.checks.map((c) => `  ${c.name}: ${c.healthy ? 'ok' : `failing (${c.lastError ?? '?'})`}`);
  lines.push(`health     ${s.health.healthy ? 'healthy' : 'UNHEALTHY'}${checks.join('')}`);
  if (s.resources.length === 0) lines.push('resources  none');
  s.resources.forEach((r, i) => {
    const trouble = `${r.failures ? `, ${r.failures} failure(s)` : ''}${r.lastError ? ` — ${r.lastError}` : ''}`;
    lines.push(`${label('resources', i)} ${r.name.padEnd(14)} ${r.kind.padEnd(8)} ${r.state}${trouble}`);
  });
  if (s.peers.length === 0) lines.push(`peers      ${s.heartbeat ? 'none heard' : 'heartbeats off'}`);
  s.peers.forEach((p, i) => {
    const token = p.token !== null ? ` token ${p.token}` : '';
    const heard = p.lastSeenMsAgo !== null ? `, heard ${seconds(p.lastSeenMsAgo)} ago` : '';
    const unhealthy = p.healthy === false ? ', unhealthy' : '';
    lines.push(`${label('peers', i)} ${p.node.padEnd(14)} ${p.alive ? 'alive' : 'DOWN '}  ${p.role ?? '?'}${token}${unhealthy}${heard}`);
  });
  if (s.heartbeat) {
    const dropped = Object.entries(s.heartbeat.dropped).filter(([, n]) => n > 0);
    const why = dropped.length ? dropped.map(([k, n]) => `${k} ${n}`).join(', ') : 'none';
    lines.push(`heartbeats ${s.heartbeat.accepted} accepted, dropped: ${why}`);
  }
  const fences = s.fences.map((f) => {
    const armed = (f as { armed?: { token: number } | null }).armed;
    return `${String(f.kind)}${armed ? ` armed (token ${armed.token})` : ''}`;
  });
  lines.push(`fences     ${fences.join(', ') || 'none'}`);
  // Older agents answer without it.
  const sig = (s as Partial<AgentStatus>).signals;
  if (sig) {
    const trouble = [sig.dropped && `${sig.dropped} dropped`, sig.refused && `${sig.refused} refused`].filter(Boolean).join(', ');
    const failing = sig.lastError ? ` (failing: ${sig.lastError})` : '';
    lines.push(`signals    → ${sig.to}: ${sig.sent} sent, ${sig.queued} queued${trouble ? `, ${trouble}` : ''}${failing}`);
  } else if (sig === null) lines.push('signals    off (no supervisor socket known)');
  return lines.join('\n');
}

export const command: Command = {
  path: ['failover', 'status'],
  summary: 'show the failover leader, token, lease remaining, peers and resources',
  usage,
  async run(argv) {
    const { values } = parse(argv, endpointOptions);
    const { requestAgent } = await import('@holdfast/failover');
    const { endpoint, token } = await endpointFrom(values);
    const { status, json } = await requestAgent(endpoint, 'GET', '/status', undefined, 5000, token);
    if (status !== 200) throw agentAnswerError(status, json);
    console.log(values.json ? JSON.stringify(json, null, 2) : formatStatus(json as AgentStatus));
    return 0;
  },
};
