// Every subcommand, loaded lazily so `holdfast status` does not pay for loading the failover agent.
import type { Command } from './command.ts';

export interface CommandEntry {
  path: string[];
  summary: string;
  load: () => Promise<Command>;
}

export const commands: CommandEntry[] = [
];
