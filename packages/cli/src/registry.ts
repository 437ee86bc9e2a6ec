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
    path: ['dashboard'],
    summary: 'print a one-time sign-in link to the live dashboard',
    load: async () => (await import('./commands/dashboard.ts')).command,
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
    path: ['gen', 'alerts'],
    summary: 'write Prometheus baseline and SLO burn-rate rules from the alerts: and slos: sections',
    load: async () => (await import('./commands/gen-alerts.ts')).command,
  },
  {
    path: ['alerts', 'backtest'],
    summary: 'replay a series through each alert strategy and a tuned static threshold: precision, recall, false alerts, delay',
    load: async () => (await import('./commands/alerts-backtest.ts')).command,
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
  {
    path: ['incidents'],
    summary: 'list incidents: one per fault, classified, with how often it happened',
    load: async () => (await import('./commands/incidents-list.ts')).command,
  },
  {
    path: ['incidents', 'list'],
    summary: 'list incidents (the same as holdfast incidents)',
    load: async () => (await import('./commands/incidents-list.ts')).command,
  },
  {
    path: ['incidents', 'show'],
    summary: 'show one incident: classification, grouping, history, notifications',
    load: async () => (await import('./commands/incidents-show.ts')).command,
  },
  {
    path: ['incidents', 'ack'],
    summary: 'acknowledge an incident (you have it; the receivers are told)',
    load: async () => (await import('./commands/incidents-ack.ts')).command,
  },
  {
    path: ['incidents', 'resolve'],
    summary: 'resolve an incident; --learn teaches the knowledge base',
    load: async () => (await import('./commands/incidents-resolve.ts')).command,
  },
  {
    path: ['incidents', 'invalid'],
    summary: 'mark an incident not valid: it counts against its rule',
    load: async () => (await import('./commands/incidents-invalid.ts')).command,
  },
  {
    path: ['explain'],
    summary: 'name the probable cause of a fault from the programs\u2019 metrics (errors, latency, calls, logs)',
    load: async () => (await import('./commands/explain.ts')).command,
  },
  {
    path: ['alerts', 'lint'],
    summary: 'check every alert rule: owner, severity, trigger, runbook, for:, duplicates, receivers',
    load: async () => (await import('./commands/alerts-lint.ts')).command,
  },
  {
    path: ['alerts', 'report'],
    summary: 'per alert rule: fired, acknowledged, invalid, time to ack, flapping; noisy rules first',
    load: async () => (await import('./commands/alerts-report.ts')).command,
  },
  {
    path: ['drill', 'alerts'],
    summary: 'alert-storm drill: N signals through the incident loop; incidents, dedup, notifications, losses',
    load: async () => (await import('./commands/drill-alerts.ts')).command,
  },
];
