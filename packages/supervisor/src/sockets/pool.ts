// The daemon's listening sockets, per program. A socket is bound once and kept while its program
// exists: restarts, crashes and rolling reloads of instances never close it, so connections wait
// in its kernel queue instead of being refused. Changing a program's `listen` (update) binds what
// is new before anything changes, reuses what stays, and closes what went.
import type { ListenConfig } from '../config/schema.ts';
import type { ListenFds } from '../process/spawn.ts';
import { bindListenSockets, type BoundSocket, type ListenSpec } from './bind.ts';

const keyOf = (s: { host: string; port: number }) => `${s.host}:${s.port}`;

export function listenSpecs(program: string, listen: readonly ListenConfig[] | undefined): ListenSpec[] {
  return (listen ?? []).map((l) => ({ port: l.port, host: l.host, backlog: l.backlog, name: l.name ?? program }));
}

export class SocketPool {
  private readonly byProgram = new Map<string, BoundSocket[]>();

  /** Binds the sockets `specs` needs that the program does not hold yet; all or nothing. Closes the ones it no longer lists. */
  async bind(program: string, specs: ListenSpec[]): Promise<BoundSocket[]> {
    const old = this.byProgram.get(program) ?? [];
    const held = new Map(old.map((s) => [keyOf(s.spec), s]));
    const fresh = await bindListenSockets(
      program,
      specs.filter((s) => !held.has(keyOf(s))),
    );
    const byKey = new Map(fresh.map((s) => [keyOf(s.spec), s]));
    const next = specs.map((spec) => {
      const s = held.get(keyOf(spec)) ?? byKey.get(keyOf(spec))!;
      // A name or backlog change needs no new socket (the backlog applies at the next instance's listen).
      return { ...s, spec, close: s.close };
    });
    const kept = new Set(next.map((s) => keyOf(s.spec)));
    for (const s of old) if (!kept.has(keyOf(s.spec))) s.close();
    if (next.length) this.byProgram.set(program, next);
    else this.byProgram.delete(program);
    return next;
  }

  /** What an instance of `program` gets at fds 3.. (undefined: the program has no listen). */
  fds(program: string): ListenFds | undefined {
    const list = this.byProgram.get(program);
    if (!list?.length) return undefined;
    return { fds: list.map((s) => s.fd), names: list.map((s) => s.spec.name) };
  }

  addresses(program: string): string[] {
    return (this.byProgram.get(program) ?? []).map((s) => s.address);
  }

  has(program: string): boolean {
    return this.byProgram.has(program);
  }

  release(program: string): void {
    for (const s of this.byProgram.get(program) ?? []) s.close();
    this.byProgram.delete(program);
  }

  closeAll(): void {
    for (const p of [...this.byProgram.keys()]) this.release(p);
  }
}
