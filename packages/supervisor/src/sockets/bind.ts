// Binds a listening TCP socket that the daemon owns but never accepts on: the instances accept
// from its one kernel queue (each gets the fd with the systemd LISTEN_FDS protocol), and the
// queue outlives every instance, so connections wait in it across restarts and reloads instead of
// being refused.
//
// Node offers no public "bind and listen, but do not accept" call: a net.Server in the daemon
// would take a share of the connections itself. So the daemon creates the socket and binds it
// with the handle Node's own cluster primary uses for shared handles (net._createServerHandle:
// bind, no listen, no polling), and a short-lived helper process that inherits the fd calls
// listen(2) on it and exits in the same tick, before its event loop could ever accept. The
// listening state belongs to the socket, not to the process, so it stays after the helper exits.
import { spawnSync } from 'node:child_process';
import * as net from 'node:net';
import { SupervisorError } from '../errors.ts';
import { describeHolders, findPortHolders } from './port-holder.ts';

// Not an ESM import of node:util, which reads its lazy exports (see daemon/launch.ts).
const { getSystemErrorName } = process.getBuiltinModule('node:util');

export interface ListenSpec {
  port: number;
  host: string;
  /** LISTEN_FDNAMES entry. */
  name: string;
  backlog: number;
}

export interface BoundSocket {
  readonly spec: ListenSpec;
  readonly fd: number;
  /** "127.0.0.1:3000" */
  readonly address: string;
  close(): void;
}

interface TcpHandle {
  fd: number;
  getsockname(out: Record<string, unknown>): number;
  close(cb?: () => void): void;
}

type CreateServerHandle = (address: string, port: number, addressType: number, fd?: number, flags?: number) => TcpHandle | number;

const errName = (code: number) => {
  try {
    return getSystemErrorName(code);
  } catch {
    return `error ${code}`;
  }
};

// Runs in the helper: listen(2) on fds 3.., exit once every one listens (or at the first error).
const LISTEN_HELPER = `const net = require('node:net'); const n = Number(process.argv[1]); let left = n;
for (let i = 0; i < n; i++) {
  const s = net.createServer();
  s.once('error', (e) => { process.stderr.write('fd ' + (3 + i) + ': ' + (e.code || e.message)); process.exit(3); });
  s.listen({ fd: 3 + i, backlog: Number(process.argv[2 + i]) }, () => { if (--left === 0) process.exit(0); });
}`;

function inUse(spec: ListenSpec, program: string): SupervisorError {
  const holders = findPortHolders(spec.port);
  return new SupervisorError(
    'HOLDFAST_E_PORT_IN_USE',
    `programs.${program}.listen: ` +
      `port ${spec.port} ` +
      `on ${spec.host} is already in use, held ` +
      `by ${describeHolders(spec.port, holders)}. Stop that process, or change the port in the config`,
    { port: spec.port, host: spec.host, program, holders },
  );
}

/** Binds (without accepting) every socket of `specs`; all or nothing. */
export async function bindListenSockets(program: string, specs: ListenSpec[]): Promise<BoundSocket[]> {
  const create = (net as unknown as { _createServerHandle: CreateServerHandle })._createServerHandle;
  const handles: { spec: ListenSpec; handle: TcpHandle; address: string }[] = [];
  const closeAll = () => handles.forEach((h) => h.handle.close());
  try {
    for (const spec of specs) {
      let ip = spec.host;
      let family = net.isIP(ip);
      if (family === 0) {
        try {
          // node:dns/promises loads only for a host name (about 0.5 MB the daemon otherwise never holds).
          const { lookup } = await import('node:dns/promises');
          const a = await lookup(spec.host);
          ip = a.address;
          family = a.family;
        } catch (err) {
          throw new SupervisorError(
            'HOLDFAST_E_LISTEN',
            `programs.${program}.listen: cannot resolve host ` +
              `'${spec.host}' ` +
              `(${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): use an IP address such as 127.0.0.1 or 0.0.0.0`,
            { port: spec.port, host: spec.host, program },
          );
        }
      }
      const handle = create(ip, spec.port, family);
      if (typeof handle === 'number') {
        const name = errName(handle);
        if (name === 'EADDRINUSE') throw inUse(spec, program);
        const hint =
          name === 'EACCES'
            ? ' (ports below 1024 need root or CAP_NET_BIND_SERVICE)'
            : name === 'EADDRNOTAVAIL'
              ? ` (${spec.host} is not an address of this machine)`
              : '';
        throw new SupervisorError(
          'HOLDFAST_E_LISTEN',
          `programs.${program}.listen: cannot bind ${spec.host}:${spec.port}: ${name}${hint}`,
          { port: spec.port, host: spec.host, program },
        );
      }
      const address = family === 6 ? `[${ip}]:${spec.port}` : `${ip}:${spec.port}`;
      handles.push({ spec, handle, address });
      // libuv defers EADDRINUSE from bind(2) to listen(2); getsockname reports it now.
      const err = handle.getsockname({});
      if (err) {
        if (errName(err) === 'EADDRINUSE') throw inUse(spec, program);
        throw new SupervisorError('HOLDFAST_E_LISTEN', `programs.${program}.listen: cannot bind ${address}: ${errName(err)}`, {
          port: spec.port,
          host: spec.host,
          program,
        });
      }
    }
    if (handles.length) {
      const r = spawnSync(process.execPath, ['-e', LISTEN_HELPER, String(handles.length), ...handles.map((h) => String(h.spec.backlog))], {
        stdio: ['ignore', 'ignore', 'pipe', ...handles.map((h) => h.handle.fd)],
        encoding: 'utf8',
        timeout: 30_000,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      });
      if (r.status !== 0) {
        const why = r.error ? r.error.message : (r.stderr || `exit ${r.status}`).trim();
        if (/EADDRINUSE/.test(why))
          throw inUse(handles.find((h) => why.includes(`fd ${3 + handles.indexOf(h)}`))?.spec ?? handles[0]!.spec, program);
        throw new SupervisorError(
          'HOLDFAST_E_LISTEN',
          `programs.${program}.listen: cannot listen on ${handles.map((h) => h.address).join(', ')}: ${why}`,
          { program },
        );
      }
    }
  } catch (err) {
    closeAll();
    throw err;
  }
  return handles.map(({ spec, handle, address }) => {
    let open = true;
    return {
      spec,
      fd: handle.fd,
      address,
      close: () => {
        if (open) handle.close();
        open = false;
      },
    };
  });
}
