// The directories the daemon's control socket, lock and state live in. Another local user must
// not be able to create, replace or remove anything in them: a socket or lock placed there first
// would take the daemon's place, and a pid record planted there would be trusted. So a directory
// holdfast creates is made 0700; an existing one must belong to the daemon's user (or root) and
// be writable by nobody else.
import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { SupervisorError } from '../errors.ts';

export interface PrivateDirOptions {
  /** holdfast's own directory (the state directory): a looser mode is tightened to 0700. */
  own?: boolean;
  /** Which setting names this path, for the error. */
  setting: string;
  code: 'HOLDFAST_E_STATE_DIR' | 'HOLDFAST_E_SOCKET_PATH';
}

export function ensurePrivateDir(dir: string, o: PrivateDirOptions): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  const uid = process.geteuid?.() ?? 0;
  const fail = (why: string, fix: string) => {
    throw new SupervisorError(
      o.code,
      `${dir} ${why}: another user could place a socket or file there before the daemon does. ${fix} (${o.setting})`,
      { dir },
    );
  };
  if (!st.isDirectory()) fail('is not a directory (a symlink is not accepted)', 'Point it at a real directory');
  if (st.uid !== uid && st.uid !== 0)
    fail(`belongs to uid ${st.uid}, not to the daemon's user (uid ${uid}) or root`, `Use a directory the daemon's user owns`);
  if ((st.mode & 0o022) !== 0) {
    if (o.own && st.uid === uid) {
      chmodSync(dir, 0o700);
      return;
    }
    fail(
      `is writable by ${st.mode & 0o002 ? 'every user' : 'its group'} (mode ${(st.mode & 0o7777).toString(8)})`,
      `Run 'chmod 700 ${dir}', or choose a path in a directory only the daemon's user can write`,
    );
  }
  if (o.own && st.uid === uid && (st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}
