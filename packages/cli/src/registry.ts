// Every subcommand, loaded lazily so `holdfast status` does not pay for loading the failover agent.
import type { Command } from './command.ts';

export interface CommandEntry {
  path: string[];
  summary: string;
  load: () => Promise<Command>;
}

export const commands: CommandEntry[] = [
  { path: ['gen', 'k8s'], summary: 'print a Kubernetes Deployment and Service wired to the probes', load: async () => (await import('./commands/gen-k8s.ts')).command },
];
