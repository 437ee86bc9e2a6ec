// `holdfast gen systemd -c holdfast.yaml`: a systemd unit for the daemon.
import { writeFileSync } from 'node:fs';
import { oneOf, parse } from '../args.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../errors.ts';

const usage = `Usage: holdfast gen systemd -c <config> [--cgroup v1|v2] [--user <name>] [-o <file>]

Prints a systemd unit that runs the supervisor daemon for <config> (the same process
'holdfast supervise -c <config>' starts): Restart=on-failure;
KillMode=mixed (systemd signals only the daemon, which stops the programs in dependency order,
each its own way; systemd's final SIGKILL then sweeps the cgroup); TimeoutStopSec covering the
slowest ordered stop of the programs' stopTimeoutMs; Delegate=yes so the daemon may manage the
cgroups of its programs (cgroup v2; also set on v1). ExecReload sends SIGHUP (= holdfast update).

Options:
  -c, --config <file>   the config the unit runs (required)
  --cgroup <v1|v2>      the target host's cgroup version (default: this host's, else v2)
  --user <name>         run the daemon as this user (cgroup limits need root or delegation)
  -o, --output <file>   write the unit there instead of stdout
  -h, --help            show this help

Examples:
  holdfast gen systemd -c /etc/holdfast/holdfast.yaml > /etc/systemd/system/holdfast.service
  systemctl daemon-reload && systemctl enable --now holdfast`;

export const command: Command = {
  path: ['gen', 'systemd'],
  summary: 'print a systemd unit for the supervisor daemon',
  usage,
  async run(argv) {
    const { values } = parse(argv, {
      config: { type: 'string', short: 'c' },
      cgroup: { type: 'string' },
      user: { type: 'string' },
      output: { type: 'string', short: 'o' },
    });
    if (typeof values.config !== 'string') throw new UsageError('which config? Pass -c <file>');
    // Without --cgroup: this host's version.
    const cgroup = values.cgroup === undefined ? undefined : oneOf('cgroup', values.cgroup, ['v1', 'v2'], 'v2');
    const { loadSupervisorConfig, systemdUnit } = await import('@holdfast/supervisor');
    const { existsSync } = await import('node:fs');
    const config = await loadSupervisorConfig(values.config);
    const hostVersion = existsSync('/sys/fs/cgroup/cgroup.controllers') ? 2 : existsSync('/sys/fs/cgroup/memory') ? 1 : 2;
    const unit = systemdUnit({
      config,
      cgroupVersion: cgroup === 'v1' ? 1 : cgroup === 'v2' ? 2 : hostVersion,
      ...(typeof values.user === 'string' ? { user: values.user } : {}),
    });
    if (typeof values.output === 'string') writeFileSync(values.output, unit);
    else process.stdout.write(unit);
    return 0;
  },
};
