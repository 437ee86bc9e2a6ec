// `holdfast gen systemd`: Type=notify units with a watchdog for every role: the supervisor daemon
// (-c), the failover agent (--failover -c) and one service run directly (--service --command).
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { watchdogProblem } from '@holdfast/config/sd-notify';
import { duration, oneOf, parse } from '../args.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../errors.ts';

const usage = `Usage: holdfast gen systemd -c <config> [--cgroup v1|v2] [options]
       holdfast gen systemd --failover -c <cluster.yaml> [options]
       holdfast gen systemd --service <name> --command "<command line>" [--listen <port|addr>] [options]

Prints systemd units, all Type=notify: each process says READY=1 itself once it serves, reports
STATUS=, and pings WATCHDOG=1 from its event loop every WatchdogSec/3, so a stuck process is
killed and restarted (Restart=on-failure). NotifyAccess=all: the messages go through
systemd-notify, a child of the process.

  -c <config>             the supervisor daemon ('holdfast supervise -c <config>'): KillMode=mixed
                          (systemd signals only the daemon, which stops the programs in dependency
                          order; systemd's final SIGKILL sweeps the cgroup), TimeoutStopSec covering
                          the slowest ordered stop, Delegate=yes for the programs' cgroups,
                          ExecReload sends SIGHUP (= holdfast update).
  --failover -c <file>    the failover agent: KillMode=process, so its fence companion outlives a
                          killed agent and tears the resources down at the lease's deadline.
  --service <name>        one service run directly by systemd, with --command; --listen adds a
                          <name>.socket unit whose socket the runtime inherits (LISTEN_FDS): it
                          stays open across restarts, so no connection is refused.

Options:
  --watchdog <duration>   WatchdogSec (default 30s; at least 3s: the loop pings once a second at most)
  --grace <duration>      a service's shutdown budget (default 30s; TimeoutStopSec adds 5 s)
  --cgroup <v1|v2>        the daemon's target host's cgroup version (default: this host's, else v2)
  --user <name>           run as this user (the daemon's cgroup limits need root or delegation)
  --cwd <dir>             a service's working directory
  -o, --output <path>     write there instead of stdout: a file, or for --service a directory
                          (<name>.service and <name>.socket)
  -h, --help              show this help

Examples:
  holdfast gen systemd -c /etc/holdfast/holdfast.yaml -o /etc/systemd/system/holdfast.service
  holdfast gen systemd --failover -c /etc/holdfast/cluster.yaml -o /etc/systemd/system/holdfast-failover.service
  holdfast gen systemd --service orders --command "node /srv/orders/app.js" --listen 8080 -o /etc/systemd/system
  systemctl daemon-reload && systemctl enable --now holdfast`;

export const command: Command = {
  path: ['gen', 'systemd'],
  summary: 'print Type=notify systemd units with a watchdog (supervisor, failover agent, one service)',
  usage,
  async run(argv) {
    const { values } = parse(argv, {
      config: { type: 'string', short: 'c' },
      failover: { type: 'boolean' },
      service: { type: 'string' },
      command: { type: 'string' },
      listen: { type: 'string' },
      watchdog: { type: 'string' },
      grace: { type: 'string' },
      cgroup: { type: 'string' },
      user: { type: 'string' },
      cwd: { type: 'string' },
      output: { type: 'string', short: 'o' },
    });
    const watchdogMs = duration('watchdog', values.watchdog, 30_000, 3_600_000);
    const problem = watchdogProblem(watchdogMs);
    if (problem) throw new UsageError(`--watchdog ${values.watchdog}: ${problem}`);
    if (watchdogMs % 1000 !== 0)
      throw new UsageError(`--watchdog ${values.watchdog}: give whole seconds (WatchdogSec=${Math.ceil(watchdogMs / 1000)}s)`);
    const watchdogSec = watchdogMs / 1000;
    const user = typeof values.user === 'string' ? { user: values.user } : {};
    const units = await build(values, watchdogSec, user);
    write(units, values.output);
    return 0;
  },
};

type Values = Partial<
  Record<'config' | 'service' | 'command' | 'listen' | 'grace' | 'cgroup' | 'cwd' | 'output' | 'watchdog' | 'user', string>
> & { failover?: boolean };

async function build(values: Values, watchdogSec: number, user: { user?: string }): Promise<{ name: string; text: string }[]> {
  const { agentUnit, checkListen, resolveProgram, serviceUnits } = await import('../systemd-units.ts');
  if (values.service !== undefined) {
    if (values.config !== undefined || values.failover)
      throw new UsageError('--service writes a unit for one service: leave out -c and --failover');
    if (!/^[A-Za-z0-9][A-Za-z0-9_.@-]*$/.test(values.service))
      throw new UsageError(`--service '${values.service}' is not a unit name: use letters, digits, '_', '.', '-' and '@'`);
    if (!values.command) throw new UsageError('--service needs --command "<command line>" (e.g. --command "node app.js")');
    const { splitCommandLine } = await import('@holdfast/supervisor');
    const split = splitCommandLine(values.command);
    if (!split.ok) throw new UsageError(`--command: ${split.error}`);
    if (split.argv.length === 0) throw new UsageError('--command is empty');
    const argv = [resolveProgram(split.argv[0]!), ...split.argv.slice(1)];
    const graceMs = duration('grace', values.grace, 30_000, 3_600_000);
    if (graceMs < 1000) throw new UsageError(`--grace ${values.grace}: a service needs at least 1s to drain`);
    const u = serviceUnits({
      name: values.service,
      command: argv,
      watchdogSec,
      graceMs,
      ...user,
      ...(values.cwd ? { workingDirectory: values.cwd } : {}),
      ...(values.listen !== undefined ? { listen: checkListen(values.listen) } : {}),
    });
    return [
      { name: `${values.service}.service`, text: u.service },
      ...(u.socket ? [{ name: `${values.service}.socket`, text: u.socket }] : []),
    ];
  }
  if (typeof values.config !== 'string')
    throw new UsageError(
      values.failover
        ? 'which cluster config? Pass --failover -c <cluster.yaml>'
        : 'which config? Pass -c <file> (or --failover -c, or --service)',
    );
  if (values.failover) {
    const { loadClusterConfig } = await import('@holdfast/failover');
    loadClusterConfig(values.config); // a config that does not validate gets no unit
    return [{ name: 'holdfast-failover.service', text: agentUnit({ clusterFile: values.config, watchdogSec, ...user }) }];
  }
  // Without --cgroup: this host's version.
  const cgroup = values.cgroup === undefined ? undefined : oneOf('cgroup', values.cgroup, ['v1', 'v2'], 'v2');
  const { loadSupervisorConfig, systemdUnit } = await import('@holdfast/supervisor');
  const config = await loadSupervisorConfig(values.config);
  const hostVersion = existsSync('/sys/fs/cgroup/cgroup.controllers') ? 2 : existsSync('/sys/fs/cgroup/memory') ? 1 : 2;
  const version = cgroup === 'v1' ? 1 : cgroup === 'v2' ? 2 : hostVersion;
  return [{ name: 'holdfast.service', text: systemdUnit({ config, cgroupVersion: version, watchdogSec, ...user }) }];
}

function write(units: { name: string; text: string }[], output: string | undefined): void {
  if (output === undefined) {
    process.stdout.write(units.length === 1 ? units[0]!.text : units.map((u) => `# ${u.name}\n${u.text}`).join('\n'));
    return;
  }
  const isDir = units.length > 1 || (existsSync(output) && statSync(output).isDirectory());
  if (!isDir) return writeFileSync(output, units[0]!.text);
  mkdirSync(output, { recursive: true });
  for (const u of units) writeFileSync(join(output, u.name), u.text);
}
