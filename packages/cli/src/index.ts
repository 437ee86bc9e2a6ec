// Public API of the `holdfast` package: the command line as a function (for wrappers and tests),
// the list of its commands, and its errors. The arguments of every command are parsed by
// args.ts; durations on the command line always carry a unit.
export { main } from './main.ts';
export { commands, type CommandEntry } from './registry.ts';
export type { Command } from './command.ts';
export { CliError, cliErrors, UsageError, type CliErrorCode } from './errors.ts';
export { k8sManifests, type K8sSpec } from './commands/gen-k8s.ts';
