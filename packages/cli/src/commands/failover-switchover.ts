// `holdfast failover switchover --to <node>`: a planned move of leadership.
import { duration, noArguments, parse } from '../args.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { agentAnswerError, endpointFrom, endpointOptions } from './failover-shared.ts';
import type { AgentStatus } from '@holdfast/failover';

const usage = `Usage: holdfast failover switchover --to <node> [-c <cluster.yaml>] [--socket <path>] [--wait <duration>] [--json]

Asks the current leader to hand leadership to <node>: the leader stops its resources (VIP
first) and releases its lease; for one lease TTL only <node> may then campaign, and it takes
over without a fence (the old term was released, not lost). If <node> does not take over in
that time, any node may. The request goes through this host's agent; a node known unhealthy
(by its heartbeats) is refused. It carries the agent's status token: $HOLDFAST_FAILOVER_TOKEN,
the config's status.token/tokenFile, or the token file the agent wrote beside its socket
(readable by the agent's user only: run this as that user, or root).

Options:
  --to <node>           the node that should lead (required)
  -c, --config <file>   this host's agent config (finds its status socket)
  --socket <path>       this host's agent status socket, instead of -c
  --node <name>         which local agent to ask, when several run on this host
  --wait <duration>     wait until <node> leads, at most this long (default 30s; 0: do not wait)
  --json                print the outcome as JSON
  -h, --help            show this help`;

export const command: Command = {
  path: ['failover', 'switchover'],
  summary: 'move leadership to a named node (planned switchover)',
  usage,
  async run(argv) {
    const options = { ...endpointOptions, to: { type: 'string' }, wait: { type: 'string' } } as const;
    const { values, positionals } = parse(argv, options, { positionals: true });
    noArguments(positionals, 'the target goes after --to');
    if (typeof values.to !== 'string' || !values.to) throw new UsageError('which node should lead? Pass --to <node>');
    const waitMs = duration('wait', values.wait, 30_000, 3_600_000);
    const { requestAgent } = await import('@holdfast/failover');
    const { endpoint, token } = await endpointFrom(values);
    const started = performance.now();
    const res = await requestAgent(endpoint, 'POST', '/switchover', { to: values.to }, 5000, token);
    if (res.status !== 202) throw agentAnswerError(res.status, res.json, 'HOLDFAST_E_SWITCHOVER');
    const { from } = res.json as { from: string | null };
    if (!values.json) console.error(`switchover requested: ${from ?? '?'} → ${values.to}`);
    let leader: { node: string; token: number } | null = null;
    while (waitMs > 0 && performance.now() - started < waitMs) {
      const s = (await requestAgent(endpoint, 'GET', '/status', undefined, 5000, token)).json as AgentStatus;
      leader = s.leadership.leader;
      if (leader?.node === values.to) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const tookS = (performance.now() - started) / 1000;
    const done = leader?.node === values.to;
    const leaderToken = done ? leader!.token : null;
    const outcome = { from, to: values.to, done: waitMs > 0 ? done : null, token: leaderToken, seconds: Number(tookS.toFixed(3)) };
    if (values.json) console.log(JSON.stringify(outcome));
    else if (waitMs === 0) console.log('not waiting; follow it with holdfast failover status');
    else if (done) console.log(`${values.to} leads (token ${leader!.token}) after ${tookS.toFixed(2)} s`);
    else console.log(`${values.to} does not lead after ${waitMs / 1000} s (leader: ${leader?.node ?? 'none'})`);
    return waitMs > 0 && !done ? 1 : 0;
  },
};
