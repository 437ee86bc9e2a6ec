// The control API's listeners. The Unix socket is created with mode 0600 (umask set around
// bind, so it is never reachable by others even for a moment, and never chmod'ed after) in a
// directory no other user can write (private-dir.ts); a socket file left by a dead daemon is
// replaced, one a live daemon answers on is refused.
import { rmSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { SupervisorError } from '../errors.ts';
import { ensurePrivateDir } from './private-dir.ts';

// Not `import { createServer } from 'node:http'`: an ESM import of node:http reads every export,
// and its lazy ones (WebSocket, ...) load undici, http2, tls and zlib, ~9 MB of resident memory
// the daemon never uses (see daemon/launch.ts).
const { createServer } = process.getBuiltinModule('node:http');

/** Unix socket paths are limited to 107 bytes on Linux (sun_path). */
const MAX_SOCKET_PATH = 107;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export async function listenUnix(path: string, handler: Handler): Promise<Server> {
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
    throw new SupervisorError(
      'HOLDFAST_E_SOCKET_PATH',
      `${path} is ${Buffer.byteLength(path)} bytes; Unix socket paths hold at ` +
        `most ${MAX_SOCKET_PATH}: set ` +
        `supervisor.socket to a shorter path`,
    );
  }
  ensurePrivateDir(dirname(path), { setting: 'supervisor.socket', code: 'HOLDFAST_E_SOCKET_PATH' });
  if (await answers(path)) {
    throw new SupervisorError(
      'HOLDFAST_E_SOCKET_IN_USE',
      `a daemon already answers on ${path}: give this config its own supervisor.socket, or stop that daemon ('holdfast shutdown')`,
    );
  }
  rmSync(path, { force: true });
  const server = createServer(handler);
  // bind() happens inside listen(), synchronously: the umask is back before anything else runs.
  const old = process.umask(0o177);
  let bound: Promise<void>;
  try {
    bound = new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(path, () => ok());
    });
  } finally {
    process.umask(old);
  }
  await bound;
  return server;
}

export async function listenTcp(host: string, port: number, handler: Handler): Promise<Server> {
  const server = createServer(handler);
  await new Promise<void>((ok, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      fail(new SupervisorError('HOLDFAST_E_SOCKET_IN_USE', `cannot listen on ${host}:${port}: ${err.code ?? err.message}`)),
    );
    server.listen(port, host, () => ok());
  });
  return server;
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
