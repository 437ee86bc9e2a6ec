// The one check every entry point makes before it loads TypeScript: Node >= 22.18 strips types
// by default; an older Node fails on the first .ts file with a stack trace that says nothing
// about the version. Plain JavaScript, so that an old Node can run it.
/* global process, console -- the globals, not imports: this must run on any Node. */

export const REQUIRED = [22, 18];

/** Exits with one line naming the version needed and how to get it, when this Node is older. */
export function requireNode(what) {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major > REQUIRED[0] || (major === REQUIRED[0] && minor >= REQUIRED[1])) return;
  console.error(
    `${what} needs Node.js ${REQUIRED.join('.')} or newer (it runs TypeScript with Node's type stripping); this is ` +
      `Node ${process.versions.node} (${process.execPath}). ` +
      'Get Node 24: npm install -g --prefix /usr/local node@24 and put /usr/local/bin first on PATH, or see https://nodejs.org/en/download',
  );
  process.exit(1);
}
