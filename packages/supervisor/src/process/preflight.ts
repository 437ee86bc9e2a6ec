// What is checked before a spawn, and what `holdfast supervise --check` checks ahead of time:
// the cwd is a directory and the command resolves on the PATH the program will have. A missing
// binary is a spawn error (straight to FATAL) that the cgroup wrapper would otherwise turn into
// an exit code 127; its message names the PATH searched, shortened, and where that PATH came from.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { ProgramConfig } from '../config/schema.ts';
import { instanceSpec, type InstanceSpec } from './spawn.ts';

const FALLBACK_PATH = '/usr/local/bin:/usr/bin:/bin';

const executable = (f: string) => {
  try {
    accessSync(f, constants.X_OK);
    return statSync(f).isFile();
  } catch {
    return false;
  }
};

/** The file `cmd` runs, searched as execvp does, or undefined. */
export function findCommand(cmd: string, path: string, cwd: string): string | undefined {
  if (cmd.includes('/')) {
    const f = isAbsolute(cmd) ? cmd : resolve(cwd, cmd);
    return executable(f) ? f : undefined;
  }
  for (const dir of path.split(delimiter)) {
    const f = join(isAbsolute(dir) ? dir : resolve(cwd, dir), cmd);
    if (dir && executable(f)) return f;
  }
  return undefined;
}

/**
 * A PATH a person can read in one line: the node_modules/.bin folders npm and npx put first
 * (often most of a 400-character PATH) counted instead of listed, long lists cut after 8 entries.
 */
export function shortPath(path: string): string {
  // Each folder once: a PATH assembled by shells and tools often lists one twice.
  const dirs = [...new Set(path.split(delimiter).filter(Boolean))];
  const npm = dirs.filter((d) => /node_modules[\\/]\.bin$|node-gyp-bin$/.test(d));
  const rest = dirs.filter((d) => !npm.includes(d));
  const shown = rest.slice(0, 8).join(delimiter) + (rest.length > 8 ? `${delimiter}… (${rest.length - 8} more)` : '');
  return npm.length
    ? `${shown} (and ${npm.length} node_modules/.bin folder${npm.length > 1 ? 's' : ''} that npm or npx put first)`
    : shown || '(empty)';
}

/** Why `spec` cannot start, or undefined when it can. */
export function preflight(spec: InstanceSpec): string | undefined {
  try {
    if (!statSync(spec.cwd).isDirectory()) return `cwd ${spec.cwd} is not a directory`;
  } catch {
    return `cwd ${spec.cwd}: no such directory`;
  }
  const cmd = spec.argv[0]!;
  const path = spec.env.PATH ?? FALLBACK_PATH;
  if (findCommand(cmd, path, spec.cwd)) return undefined;
  if (cmd.includes('/')) {
    const f = isAbsolute(cmd) ? cmd : resolve(spec.cwd, cmd);
    return `spawn ${cmd} ENOENT: ${f} does not exist or is not executable`;
  }
  return (
    `spawn ${cmd} ENOENT: ` +
    `'${cmd}' is not on the PATH, which comes ` +
    `from ${
      spec.env.PATH === undefined ? 'nowhere (none is set; ' + 'searched ' + FALLBACK_PATH + ')' : spec.pathSource
    }: ${shortPath(path)}. Give the full path in command, or set programs.${spec.program}.env.PATH`
  );
}

/**
 * What would keep each program from starting, checked the way the daemon will spawn it, with the
 * environment (and so the PATH) the daemon gets from `env` (for `holdfast supervise`, the
 * command's own: the daemon is exec'ed in its place). One line per problem, naming the program.
 */
export function startProblems(
  config: { id: string; programs: Record<string, ProgramConfig> },
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const out = new Set<string>();
  for (const [name, p] of Object.entries(config.programs)) {
    for (let i = 0; i < p.instances; i++) {
      const why = preflight(instanceSpec(config.id, name, p, i, env));
      if (why) out.add(`programs.${name}${p.instances > 1 ? ` (instance ${i})` : ''}: ${why}`);
    }
  }
  return [...out];
}
