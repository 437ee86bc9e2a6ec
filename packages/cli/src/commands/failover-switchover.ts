// `holdfast failover switchover --to <node>`: a planned move of leadership.
import type { Command } from '../command.ts';
import { UsageError } from '../command.ts';
import { parse, intFlag } from '../args.ts';
import { endpointFrom, endpointOptions } from './failover-shared.ts';
import type { AgentStatus } from '@holdfast/failover';

const usage = `Usage: holdfast failover switchover --to <node> [-c <cluster.yaml>] [--socket <path>] [--wait <seconds>] [--json]

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
  --wait <seconds>      wait until <node> leads, at most this long (default 30; 0: do not wait)
  --json                print the outcome as JSON
  -h, --help            show this help`;

export const command: Command = {
  path: ['failover', 'switchover'],
  summary: 'move leadership to a named node (planned switchover)',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, { ...endpointOptions, to: { type: 'string' }, wait: { type: 'string' } }, true);
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}' (the target goes after --to)`);
    if (typeof values.to !== 'string' || !values.to) throw new UsageError('which node should lead? Pass --to <node>');
    const waitS = intFlag('wait', values.wait, 30, 0, 3600);
    const { requestAgent } = await import('@holdfast/failover');
    const { endpoint, token } = await endpointFrom(values);
    const started = performance.now();
    const res = await requestAgent(endpoint, 'POST', '/switchover', { to: values.to }, 5000, token);
    if (res.status !== 202) {
      const e = (res.json as { error?: { code?: string; message?: string } }).error;
      // The agent's message is already complete (code table prefix included): pass it on as is.
      throw Object.assign(new Error(e?.message ?? `the agent answered ${res.status}`), { code: e?.code ?? 'HOLDFAST_E_SWITCHOVER' });
    }
    const { from } = res.json as { from: string | null };
    if (!values.json) console.error(`switchover requested: ${from ?? '?'} → ${values.to}`);
    let leader: { node: string; token: number } | null = null;
    while (waitS > 0 && performance.now() - started < waitS * 1000) {
      const s = (await requestAgent(endpoint, 'GET', '/status', undefined, 5000, token)).json as AgentStatus;
      leader = s.leadership.leader;
      if (leader?.node === values.to) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const tookS = (performance.now() - started) / 1000;
    const done = leader?.node === values.to;
    if (values.json) console.log(JSON.stringify({ from, to: values.to, done: waitS > 0 ? done : null, token: done ? leader!.token : null, seconds: Number(tookS.toFixed(3)) }));
    else if (waitS === 0) console.log('not waiting; follow it with holdfast failover status');
    else if (done) console.log(`${values.to} leads (token ${leader!.token}) after ${tookS.toFixed(2)} s`);
    else console.log(`${values.to} does not lead after ${waitS} s (leader: ${leader?.node ?? 'none'})`);
    return waitS > 0 && !done ? 1 : 0;
  },
};
