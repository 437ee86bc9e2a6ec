// Every subcommand, loaded lazily so `holdfast status` does not pay for loading the failover agent.
import type { Command } from './command.ts';

export interface CommandEntry {
  path: string[];
  summary: string;
  load: () => Promise<Command>;
}

export const commands: CommandEntry[] = [
  { path: ['convert'], summary: 'print the holdfast YAML equivalent of a supervisord.conf', load: async () => (await import('./commands/convert.ts')).command },
];
