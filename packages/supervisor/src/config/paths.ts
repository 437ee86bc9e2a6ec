// Where a daemon keeps its state, logs and control socket when the config does not say. The
// state directory is per config (the lock that keeps one daemon per config lives there); the
// default socket is one per user, so `holdfast status` finds the usual single daemon without -c.
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';

/** /var/lib/holdfast for root, else $XDG_STATE_HOME/holdfast (~/.local/state/holdfast). */
export function stateBase(env: NodeJS.ProcessEnv = process.env): string {
  if (process.getuid?.() === 0) return '/var/lib/holdfast';
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'holdfast');
}

/** The socket used when neither the config, -c nor HOLDFAST_SOCKET names one. */
export function defaultSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateBase(env), 'holdfast.sock');
}

/** A stable id per config file: its name plus a hash of its absolute path ("shop-1a2b3c4d"). */
export function configId(file: string): string {
  const abs = resolve(file);
  const stem = basename(abs, extname(abs)).replace(/[^A-Za-z0-9_.-]/g, '_') || 'config';
  return `${stem}-${createHash('sha256').update(abs).digest('hex').slice(0, 8)}`;
}
