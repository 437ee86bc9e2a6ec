// Every subcommand, loaded lazily so `holdfast status` does not pay for loading the failover agent.
import type { Command } from './command.ts';

export interface CommandEntry {
  path: string[];
  summary: string;
  load: () => Promise<Command>;
}

export const commands: CommandEntry[] = [
  {
    path: ['gen', 'k8s'],
    summary: 'print a Kubernetes Deployment and Service wired to the probes',
    load: async () => (await import('./commands/gen-k8s.ts')).command,
  },
  {
    path: ['convert'],
    summary: 'print the holdfast YAML equivalent of a supervisord.conf',
    load: async () => (await import('./commands/convert.ts')).command,
  },
  {
    path: ['supervise'],
    summary: 'run the process supervisor daemon in the foreground',
    load: async () => (await import('./commands/supervise.ts')).command,
  },
  {
    path: ['status'],
    summary: 'show every program: state, pid, uptime, restarts, CPU, memory, last exit',
    load: async () => (await import('./commands/status.ts')).command,
  },
  {
    path: ['start'],
    summary: 'start programs (dependencies first) and wait for READY',
    load: async () => (await import('./commands/start.ts')).command,
  },
  {
    path: ['stop'],
    summary: 'stop programs (dependents first), leaving no process behind',
    load: async () => (await import('./commands/stop.ts')).command,
  },
  { path: ['restart'], summary: 'restart programs and wait for READY', load: async () => (await import('./commands/restart.ts')).command },
  {
    path: ['reload'],
    summary: 'rolling reload: replace every instance of a program, start-before-stop, without dropping requests',
    load: async () => (await import('./commands/reload.ts')).command,
  },
  {
    path: ['signal'],
    summary: 'send a signal to programs (their whole process group)',
    load: async () => (await import('./commands/signal.ts')).command,
  },
  { path: ['logs'], summary: "print (and follow) a program's output", load: async () => (await import('./commands/logs.ts')).command },
  {
    path: ['logs', 'patterns'],
    summary: 'mine a log file or stdin into templates (no daemon); --ids for one id per line',
    load: async () => (await import('./commands/logs-patterns.ts')).command,
  },
  {
    path: ['update'],
    summary: 're-read the config and apply only what changed',
    load: async () => (await import('./commands/update.ts')).command,
  },
  {
    path: ['shutdown'],
    summary: 'stop every program and the supervisor daemon',
    load: async () => (await import('./commands/shutdown.ts')).command,
  },
  {
    path: ['gen', 'systemd'],
    summary: 'print a systemd unit for the supervisor daemon',
    load: async () => (await import('./commands/gen-systemd.ts')).command,
  },
  {
    path: ['failover'],
    summary: 'run the failover agent (lease-based leadership, VIP and resources) in the foreground',
    load: async () => (await import('./commands/failover.ts')).command,
  },
  {
    path: ['failover', 'status'],
    summary: 'show the failover leader, token, lease remaining, peers and resources',
    load: async () => (await import('./commands/failover-status.ts')).command,
  },
  {
    path: ['failover', 'switchover'],
    summary: 'move leadership to a named node (planned switchover)',
    load: async () => (await import('./commands/failover-switchover.ts')).command,
  },
  {
    path: ['drill', 'failover'],
    summary: 'failover drill in network namespaces: kill, pause, partition or isolate the leader',
    load: async () => (await import('./commands/drill-failover.ts')).command,
  },
];
