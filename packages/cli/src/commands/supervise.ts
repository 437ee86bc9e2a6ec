// `holdfast supervise -c holdfast.yaml`: the supervisor daemon, in the foreground.
import { noArguments, parse } from '../args.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../errors.ts';

const usage = `Usage: holdfast supervise -c <config> [--check] [--strict]

Runs the supervisor daemon in the foreground (systemd, a container runtime or a terminal keeps it):
starts the programs of <config> (YAML, JSON, or a supervisord.conf read as it is), restarts them
by their policy, and serves the control API on its Unix socket. One daemon per config: a second
one for the same config is refused. A config that does not validate starts nothing.

This command becomes the daemon (the same process, exec'ed into the lean daemon entry once the
config validated): nothing of the command line stays resident beside it.

Signals: SIGTERM/SIGINT stop every program (dependents first) and exit; SIGHUP re-reads the
config and applies only what changed (like 'holdfast update').

Options:
  -c, --config <file>   the config to run (required)
  --check               validate the config, resolve every command on the PATH the daemon will
                        have (this command's), print what would run, and exit (1 when a program
                        could not start)
  --strict              refuse what supervisord only warns about (an [include] that matches no file)
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
    const options = { config: { type: 'string', short: 'c' }, check: { type: 'boolean' }, strict: { type: 'boolean' } } as const;
    const { values, positionals } = parse(argv, options, { positionals: true });
    noArguments(positionals, 'the config goes after -c');
    if (typeof values.config !== 'string') throw new UsageError('which config? Pass -c <file>');
    const sup = await import('@holdfast/supervisor');
    const strict = values.strict === true;
    if (values.check) {
      const cfg = await sup.loadSupervisorConfig(values.config, { strict });
      for (const w of sup.capLines(cfg.warnings)) console.error(`warning: ${w}`);
      // Each command resolved on the PATH the daemon will have (this command's: it execs into the daemon).
      const problems = sup.startProblems(cfg, process.env);
      if (problems.length) {
        for (const p of sup.capLines(problems, 'problems')) console.error(`error: ${p}`);
        console.error(`${cfg.file}: ${problems.length} program(s) could not start as configured`);
        return 1;
      }
      const names = Object.entries(cfg.programs).map(([n, p]) => {
        const listens = p.listen ? ` (listens on ${p.listen.map((l) => `${l.host}:${l.port}`).join(', ')}, shared by its instances)` : '';
        return `  ${n}${p.instances > 1 ? ` ×${p.instances}` : ''}: ${p.argv.join(' ')}${listens}`;
      });
      const { socket, stateDir, logDir } = cfg.supervisor;
      console.log(`${cfg.file} is valid: ${names.length} program(s)\n${names.join('\n')}`);
      console.log(`socket ${socket}, state ${stateDir}, logs ${logDir}`);
      return 0;
    }
    // Validate here first: a bad config is reported with every issue and nothing starts. A
    // command that cannot be found only fails its own program (FATAL); say so before it does.
    const cfg = await sup.loadSupervisorConfig(values.config, { strict });
    for (const p of sup.capLines(sup.startProblems(cfg, process.env), 'problems')) console.error(`warning: ${p}; it will be FATAL`);
    // Then become the daemon: exec its lean entry in place of this process (same pid, same
    // stdio, signals and exit code go straight to it). The command line's TypeScript loader and
    // config validator would otherwise stay resident as the daemon's parent (about 110 MB).
    const args = [process.execPath, ...sup.daemonArgv(values.config, { strict })];
    if (typeof process.execve === 'function') process.execve(process.execPath, args, process.env);
    // Without execve (Node < 22.15): a parent that passes signals on and exits with the daemon's code.
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, args.slice(1), { stdio: 'inherit' });
    const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
    const handlers = (['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'] as const).map((s) => [s, forward(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);
    const code = await new Promise<number>((resolve) => child.once('exit', (c, sig) => resolve(c ?? (sig ? 128 + 15 : 1))));
    for (const [s, h] of handlers) process.off(s, h);
    return code;
  },
};
