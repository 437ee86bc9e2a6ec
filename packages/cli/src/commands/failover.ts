// `holdfast failover -c cluster.yaml`: the failover agent, in the foreground.
import { parse } from '../args.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../errors.ts';

const usage = `Usage: holdfast failover -c <cluster.yaml> [--node <name>] [--check] [--schema]

Runs the failover agent of this node in the foreground: it campaigns for leadership through the
coordinator (etcd, or the embedded 'local' one for a single host) while its health checks pass,
and while it leads it runs the configured resources (VIP, exec scripts, supervisor programs)
under a lease, a fencing token and a local deadline, with a fence outside its process.
<cluster.yaml> is a cluster config, or a holdfast.yaml with a 'cluster:' section.

Logs (JSON lines) and every leadership event go to stdout. SIGTERM/SIGINT demote cleanly
(VIP dropped, resources stopped, lease released so another node takes over at once) and exit;
a second signal exits at once (the fence then tears down).

Options:
  -c, --config <file>   the cluster config (required)
  --node <name>         this node's name (overrides 'node' in the config and $HOLDFAST_NODE)
  --check               validate the config, print what would run, and exit
  --schema              print the config's JSON Schema (for editors) and exit
  -h, --help            show this help

Examples:
  holdfast failover -c /etc/holdfast/cluster.yaml
  holdfast failover -c cluster.yaml --node node-b --check
  holdfast failover status -c cluster.yaml
  holdfast failover switchover -c cluster.yaml --to node-b`;

export const command: Command = {
  path: ['failover'],
  summary: 'run the failover agent (lease-based leadership, VIP and resources) in the foreground',
  usage,
  async run(argv) {
    const { values, positionals } = parse(
      argv,
      { config: { type: 'string', short: 'c' }, node: { type: 'string' }, check: { type: 'boolean' }, schema: { type: 'boolean' } },
      { positionals: true },
    );
    if (positionals.length) {
      const use = "use 'holdfast failover status' or 'holdfast failover switchover'";
      throw new UsageError(`unknown failover subcommand '${positionals[0]}'; ${use}`);
    }
    const f = await import('@holdfast/failover');
    if (values.schema) {
      console.log(JSON.stringify(f.clusterJsonSchema(), null, 2));
      return 0;
    }
    if (typeof values.config !== 'string') throw new UsageError('which cluster config? Pass -c <cluster.yaml>');
    if (values.node) process.env.HOLDFAST_NODE = values.node;
    let config = f.loadClusterConfig(values.config);
    if (values.node) config = { ...config, node: values.node };
    if (values.check) {
      const t = f.timingFor(config);
      const where = config.coordinator.kind === 'etcd' ? config.coordinator.endpoints.join(', ') : config.coordinator.dir;
      const resources = config.resources.map((r) => `${(r as { name: string }).name} [${(r as { kind: string }).kind}]`);
      console.log(
        [
          `${values.config} is valid: cluster '${config.name}', node '${config.node}', ` +
            `priority ${config.priority}${config.preempt ? ', preempts' : ''}`,
          `coordinator ${config.coordinator.kind} (${where}), lease TTL ${t.ttlMs} ms, keep-alive every ${t.keepAliveIntervalMs} ms, ` +
            `deadline = sent + TTL × ${1 - t.drift} − ${t.marginMs} ms`,
          `resources (start order): ${resources.join(', ') || 'none'}`,
          `fences: ${config.fences.map((x) => x.kind).join(', ') || 'none'}; ` +
            `health checks: ${config.health.map((h) => h.name).join(', ') || 'none'}; ` +
            `heartbeats: ${config.heartbeat ? `${config.heartbeat.peers.length} peer(s)` : 'off'}`,
        ].join('\n'),
      );
      return 0;
    }
    const agent = new f.FailoverAgent({ config, configFile: values.config });
    let stopping: Promise<void> | undefined;
    let systemd: { stopping(): void } | undefined = undefined;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        agent.log.warn({ signal }, 'second signal: exiting without a clean demotion (the fence tears down)');
        process.exit(130);
      }
      agent.log.info({ signal }, 'stopping: demoting and releasing the lease');
      systemd?.stopping();
      stopping = agent.stop();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    try {
      await agent.start();
    } catch (err) {
      await agent.stop().catch(() => {}); // nothing may linger: a spawned fence companion, sockets
      throw err;
    }
    // Under systemd (Type=notify): READY, STATUS and the watchdog pings from this event loop.
    systemd = f.notifySystemdAgent(agent);
    await new Promise<void>((resolve) => agent.on('event', (e) => e.type === 'agent-stopped' && resolve()));
    return 0;
  },
};
