// The miner's route on the control API: GET /v1/patterns?program=NAME[&since=1h] answers the
// program's templates (count, first and last seen, level, an example, the trend) and its
// counters. Errors are JSON with a stable code, like the rest of the API.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DaemonMining } from './mining.ts';
import { PATTERNS_PATH } from './mining-paths.ts';

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const fail = (res: ServerResponse, status: number, code: string, message: string) => send(res, status, { error: { code, message } });

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90s", "15m", "1h", "2d" or milliseconds; undefined when it is none of them. */
export function parseSince(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(s.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * UNITS[m[2] ?? 'ms']!;
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/** `programs`: the config's programs (a program may exist and not be mined). */
export function servePatterns(
  mining: DaemonMining | undefined,
  programs: Record<string, unknown>,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): void {
  if (req.method !== 'GET') return fail(res, 405, 'HOLDFAST_E_BAD_REQUEST', `${req.method} is not allowed on ${PATTERNS_PATH}`);
  const unknown = [...url.searchParams.keys()].filter((k) => k !== 'program' && k !== 'since');
  if (unknown.length) return fail(res, 400, 'HOLDFAST_E_BAD_REQUEST', `unknown parameter '${unknown[0]}' (allowed: program, since)`);
  const program = url.searchParams.get('program');
  if (!program) return fail(res, 400, 'HOLDFAST_E_BAD_REQUEST', 'program: missing (GET /v1/patterns?program=NAME[&since=1h])');
  const sinceText = url.searchParams.get('since');
  const since = sinceText === null ? undefined : parseSince(sinceText);
  if (sinceText !== null && since === undefined)
    return fail(res, 400, 'HOLDFAST_E_BAD_REQUEST', `since: '${sinceText}' is not a duration; use e.g. 90s, 15m, 1h, 2d`);
  if (!Object.hasOwn(programs, program)) return fail(res, 404, 'HOLDFAST_E_UNKNOWN_PROGRAM', `no such program: '${program}'`);
  const report = mining?.patterns(program, since);
  if (!report)
    return fail(
      res,
      409,
      'HOLDFAST_E_MINING_OFF',
      `'${program}' is not mined: remove programs.${program}.mining: false (or set mining.enabled: true) and run holdfast update`,
    );
  send(res, 200, report);
}
