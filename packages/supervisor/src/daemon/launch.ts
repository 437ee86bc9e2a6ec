// How to start the daemon process: the lean JavaScript entry with the memory-saving V8 flags.
// `holdfast supervise` runs it as a child (the CLI itself holds the TypeScript loader and the
// config validator, which the daemon must not); systemd units run it directly.
import { fileURLToPath } from 'node:url';

/**
 * V8 flags of the daemon: no optimizing compiler, a small young generation, heap growth that
 * favours size, and `gc()` for the pacer that keeps old-generation garbage bounded (gc-pacer.ts).
 */
export const DAEMON_NODE_FLAGS = ['--lite-mode', '--max-semi-space-size=1', '--optimize-for-size', '--expose-gc'];

/** From the sources: the plain-JS bin that serves pre-stripped modules; in a build: main.js itself. */
export const daemonEntry = import.meta.url.endsWith('.ts')
  ? fileURLToPath(new URL('../../bin/holdfast-supervisor.js', import.meta.url))
  : fileURLToPath(new URL('./main.js', import.meta.url));

/** argv (after the node binary) that runs the daemon for `configFile`; `strict`: refuse what supervisord only warns about. */
export function daemonArgv(configFile: string, opts: { strict?: boolean } = {}): string[] {
  return [...DAEMON_NODE_FLAGS, daemonEntry, '-c', configFile, ...(opts.strict ? ['--strict'] : [])];
}
