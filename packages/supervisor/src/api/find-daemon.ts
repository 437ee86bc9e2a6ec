// How a command finds the daemon: the socket of `-c <config>` (the same file the daemon was
// started with), else HOLDFAST_SOCKET (a socket path, or an http:// URL with HOLDFAST_TOKEN),
// else the default socket path.
import { readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import { loadSupervisorConfig } from '../config/load.ts';
import { defaultSocketPath } from '../config/paths.ts';
import { SupervisorClient } from './client.ts';

export interface FindOptions {
  config?: string;
  env?: NodeJS.ProcessEnv;
}

/** The socket path (or URL) a command should use, and why. */
export async function findDaemon(o: FindOptions = {}): Promise<{ socket?: string; url?: string; token?: string; from: string }> {
  const env = o.env ?? process.env;
  if (o.config) {
    const file = resolve(o.config);
    const ext = extname(file).toLowerCase();
    if (ext === '.conf' || ext === '.ini') return { socket: (await loadSupervisorConfig(file)).supervisor.socket, from: file };
    // Read leniently: a config being edited (invalid) must not stop `holdfast stop` from finding its daemon.
    let socket: unknown;
    try {
      socket = (parse(readFileSync(file, 'utf8')) as { supervisor?: { socket?: unknown } } | null)?.supervisor?.socket;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOENT') throw Object.assign(new Error(`config ${file} not found`), { code: 'HOLDFAST_E_CONFIG' });
    }
    if (typeof socket === 'string') return { socket: isAbsolute(socket) ? socket : resolve(dirname(file), socket), from: file };
    return { socket: defaultSocketPath(env), from: `${file} (default socket)` };
  }
  const fromEnv = env.HOLDFAST_SOCKET;
  if (fromEnv) {
    if (/^https?:\/\//.test(fromEnv))
      return { url: fromEnv, ...(env.HOLDFAST_TOKEN ? { token: env.HOLDFAST_TOKEN } : {}), from: 'HOLDFAST_SOCKET' };
    return { socket: fromEnv, from: 'HOLDFAST_SOCKET' };
  }
  return { socket: defaultSocketPath(env), from: 'default socket' };
}

export async function clientFor(o: FindOptions & { timeoutMs?: number } = {}): Promise<SupervisorClient> {
  const where = await findDaemon(o);
  return new SupervisorClient({ ...where, ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) });
}
