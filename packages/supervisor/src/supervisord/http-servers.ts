// [unix_http_server] and [inet_http_server]: where supervisord serves its control API, which
// becomes holdfast's control socket and TCP endpoint.
import type { SvInetServer, SvUnixServer } from './model.ts';
import type { Report } from './report.ts';
import type { SectionReader, Vars } from './section-reader.ts';
import { parseInetAddress, ValueProblem } from './values.ts';

export function readUnixServer(r: SectionReader, vars: Vars, report: Report): SvUnixServer | undefined {
  const file = r.text('file', vars)?.trim();
  const chmod = r.value('chmod', vars, parseOctal, undefined);
  const chown = r.text('chown', vars);
  const auth = readAuth(r, vars, report);
  for (const e of r.unread()) report.warn(r.origin(e.key), `unknown key '${e.key}' in [${r.name}]`);
  if (file === undefined) {
    report.error(r.origin(), `[${r.name}] has no file= value`, 'give the socket path, e.g. file=/run/supervisor.sock');
    return undefined;
  }
  return {
    origin: r.origin('file'),
    keys: keyOrigins(r),
    file,
    ...(chmod === undefined ? {} : { chmod }),
    ...(chown === undefined ? {} : { chown }),
    ...auth,
  };
}

export function readInetServer(r: SectionReader, vars: Vars, report: Report): SvInetServer | undefined {
  const address = r.value('port', vars, parseInetAddress, undefined);
  const auth = readAuth(r, vars, report);
  for (const e of r.unread()) report.warn(r.origin(e.key), `unknown key '${e.key}' in [${r.name}]`);
  if (!r.has('port')) {
    report.error(r.origin(), `[${r.name}] has no port= value`, 'give host:port, e.g. port=127.0.0.1:9001');
    return undefined;
  }
  if (address === undefined) return undefined;
  return { origin: r.origin('port'), keys: keyOrigins(r), ...address, ...auth };
}

const keyOrigins = (r: SectionReader) => Object.fromEntries(r.section.entries.map((e) => [e.key, r.origin(e.key)]));

function readAuth(r: SectionReader, vars: Vars, report: Report): { username?: string; password?: string } {
  const username = r.text('username', vars);
  const password = r.text('password', vars);
  if ((username === undefined) !== (password === undefined)) {
    report.error(
      r.origin(username === undefined ? 'password' : 'username'),
      'incomplete authentication: username and password must be given together',
      'set both, or neither',
    );
    return {};
  }
  return { ...(username === undefined ? {} : { username }), ...(password === undefined ? {} : { password }) };
}

function parseOctal(value: string): number {
  if (!/^\s*[0-7]+\s*$/.test(value)) throw new ValueProblem(`'${value}' is not an octal mode`, 'write a mode such as 0700');
  return parseInt(value, 8);
}
