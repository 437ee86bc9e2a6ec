// Runs a Node script as the unprivileged user `nobody` (setpriv), to attempt what another local
// user could: connect to a socket, read a file, call an endpoint. Needs root and setpriv: a
// machine without them fails the test (cannotRun).
import { execFile } from 'node:child_process';
import type { TestContext } from 'node:test';
import { cannotRun } from '@holdfast/testkit';

export interface NobodyResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** True when this machine can run scripts as nobody; otherwise the test is ended by cannotRun. */
export function canActAsNobody(t: Pick<TestContext, 'skip'>): boolean {
  if (process.getuid?.() !== 0) {
    cannotRun(t, 'needs root to run the attack as the user nobody (setpriv)');
    return false;
  }
  return true;
}

/** Runs `script` (an ES module body; `process.argv.slice(1)` are `args`) as nobody:nogroup. */
export function asNobody(script: string, args: string[] = [], timeoutMs = 15_000): Promise<NobodyResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'setpriv',
      ['--reuid=nobody', '--regid=nogroup', '--clear-groups', '--', process.execPath, '--input-type=module', '-e', script, '--', ...args],
      { timeout: timeoutMs, cwd: '/' },
      (err, stdout, stderr) => {
        if (err && typeof (err as { code?: unknown }).code !== 'number') return reject(err);
        resolve({ code: err ? ((err as { code: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** Script: connect to the unix socket argv[1]; prints "connected" or the error code. */
export const CONNECT_UNIX = `
import { connect } from 'node:net';
const c = connect(process.argv[1]);
c.on('connect', () => { console.log('connected'); c.destroy(); });
c.on('error', (e) => console.log(e.code));
`;

/** Script: an HTTP request (argv: method, url or socket path, path, token) prints "<status> <body>" or the error code. */
export const HTTP_REQUEST =
  `
import { request } from 'node:http';
const [method, where, path, token] = process.argv.slice(1);
const target = where.startsWith('http') ? new URL(where) : null;
const req = request({ ...(target ? { host: target.hostname, port: target.port } : { socketPath: where }), method, ` +
  `path, headers: token ? { authorization: 'Bearer ' + token } : {} }, (res) => {
  let body = ''; res.on('data', (d) => body += d); res.on('end', () => console.log(res.statusCode + ' ' + body.slice(0, 300)));
});
req.on('error', (e) => console.log(e.code));
req.end(method === 'POST' ? JSON.stringify({ to: 'b' }) : undefined);
`;
