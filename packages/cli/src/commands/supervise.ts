// `holdfast supervise -c holdfast.yaml`: the supervisor daemon, in the foreground.
import { noArguments, parse } from '../args.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../errors.ts';

const usage = `Usage: holdfast supervise -c <config> [--check]

Runs the supervisor daemon in the foreground (systemd, a container runtime or a terminal keeps it):
starts the programs of <config> (YAML, JSON, or a supervisord.conf read as it is), restarts them
by their policy, and serves the control API on its Unix socket. One daemon per config: a second
one for the same config is refused. A config that does not validate starts nothing.

Signals: SIGTERM/SIGINT stop every program (dependents first) and exit; SIGHUP re-reads the
config and applies only what changed (like 'holdfast update').

Options:
  -c, --config <file>   the config to run (required)
  --check               validate the config, print what would run, and exit
  -h, --help            show this help

Examples:
  holdfast supervise -c holdfast.yaml
  holdfast supervise -c /etc/supervisor/supervisord.conf
  holdfast supervise -c holdfast.yaml --check`;

export const command: Command = {
  path: ['supervise'],
  summary: 'run the process supervisor daemon in the foreground',
  usage,
  async run(argv) {
    const options = { config: { type: 'string', short: 'c' }, check: { type: 'boolean' } } as const;
    const { values, positionals } = parse(argv, options, { positionals: true });
    noArguments(positionals, 'the config goes after -c');
    if (typeof values.config !== 'string') throw new UsageError('which config? Pass -c <file>');
    const sup = await import('@holdfast/supervisor');
    if (values.check) {
      const cfg = await sup.loadSupervisorConfig(values.config);
      for (const w of cfg.warnings) console.error(`warning: ${w}`);
      const names = Object.entries(cfg.programs).map(([n, p]) => {
        const listens = p.listen ? ` (listens on ${p.listen.map((l) => `${l.host}:${l.port}`).join(', ')}, shared by its instances)` : '';
        return `  ${n}${p.instances > 1 ? ` ×${p.instances}` : ''}: ${p.argv.join(' ')}${listens}`;
      });
      const { socket, stateDir, logDir } = cfg.supervisor;
      console.log(`${cfg.file} is valid: ${names.length} program(s)\n${names.join('\n')}`);
      console.log(`socket ${socket}, state ${stateDir}, logs ${logDir}`);
      return 0;
    }
    // Validate here first: a bad config is reported with every issue and nothing starts.
    await sup.loadSupervisorConfig(values.config);
    // The daemon runs in its own lean process (no TypeScript loader, no validator); this one
    // passes signals on and exits with its code.
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, sup.daemonArgv(values.config), { stdio: 'inherit' });
    const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
    const handlers = (['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'] as const).map((s) => [s, forward(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);
    const code = await new Promise<number>((resolve) => child.once('exit', (c, sig) => resolve(c ?? (sig ? 128 + 15 : 1))));
    for (const [s, h] of handlers) process.off(s, h);
    return code;
  },
};
