// Where the agent keeps what another local user must never touch: its control sockets (status,
// fence companion), the generated status token, the local coordinator's state and mutex. Each
// lives in a directory only this user can enter (0700, owned by us, not a symlink), and each
// socket or file is created with its final mode through the umask, so there is no instant at
// which it exists with a wider one (a chmod after listen() would leave such an instant).
import { lstatSync, mkdirSync } from 'node:fs';
import { FailoverError, type FailoverErrorCode } from './errors.ts';

/** Runs `fn` with the process umask set to `mask`, restoring it after (also when `fn` throws). */
export function withUmask<T>(mask: number, fn: () => T): T {
  const before = process.umask(mask);
  try {
    return fn();
  } finally {
    process.umask(before);
  }
}

/**
 * Throws unless `dir` is a directory (not a symlink) owned by this process's user with no
 * access for group or others. `code` and `what` name the setting in the error.
 */
export function checkPrivateDir(dir: string, what: string, code: FailoverErrorCode = 'HOLDFAST_E_CONFIG'): void {
  let st;
  try {
    st = lstatSync(dir);
  } catch (err) {
    throw new FailoverError(code, `${what}: cannot use ${dir}: ${(err as Error).message}`, { dir }, { cause: err });
  }
  const uid = process.geteuid?.() ?? st.uid;
  const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
  let problem: string | undefined;
  if (st.isSymbolicLink()) problem = 'is a symbolic link';
  else if (!st.isDirectory()) problem = 'is not a directory';
  else if (st.uid !== uid) problem = `is owned by uid ${st.uid}, not by this user (uid ${uid})`;
  else if ((st.mode & 0o077) !== 0) problem = `has mode ${mode}: other users could reach what is inside`;
  if (problem) {
    throw new FailoverError(
      code,
      `${what}: ${dir} ${problem}. Use a directory only this user can enter (mkdir -m 700, owned by ` +
        `uid ${uid}), or ` +
        `let holdfast create it by naming one that does not exist yet`,
      { dir },
    );
  }
}

/** Creates `dir` with mode 0700 (its missing parents too), or checks an existing one (checkPrivateDir). */
export function ensurePrivateDir(dir: string, what: string, code: FailoverErrorCode = 'HOLDFAST_E_CONFIG'): void {
  try {
    withUmask(0o077, () => mkdirSync(dir, { recursive: true, mode: 0o700 }));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new FailoverError(
        code,
        `${what}: cannot create ${dir}: ${(err as Error).message}; check that its parent exists and is writable by the agent`,
        { dir },
        { cause: err },
      );
    }
  }
  checkPrivateDir(dir, what, code);
}
