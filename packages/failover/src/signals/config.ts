// The `signals:` section of the cluster config: where the agent sends its events as incident
// signals, and how long it keeps them when the supervisor cannot take them. On by default when
// the supervisor's control socket is known (given here, or in HOLDFAST_SOCKET, which a holdfast
// supervisor sets for every program it runs); otherwise `enabled: true` turns it on explicitly
// (then the supervisor's default socket, as `holdfast status` finds it).
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { duration } from '@holdfast/config';
import { readSecret } from '../secret.ts';

const URL_RE = /^https?:\/\//;

export const signalsSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .optional()
      .describe('default: on when socket is given or $HOLDFAST_SOCKET is set (a holdfast supervisor sets it for its programs)'),
    socket: z
      .string()
      .min(1)
      .optional()
      .describe("the supervisor's control socket, or the http:// URL of its TCP control API (then with token); default: $HOLDFAST_SOCKET"),
    token: z.string().min(16).optional().describe('bearer token of the TCP control API (supervisor.http.token)'),
    tokenFile: z.string().min(1).optional().describe('or read the token from this file'),
    queue: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(1000)
      .describe('signals kept while the supervisor cannot take them; past this the oldest are dropped (counted and logged)'),
    retry: z
      .strictObject({
        initial: duration().default(250).describe('first wait after a failed send; doubles each time'),
        max: duration().default(30_000).describe('longest wait between two attempts'),
      })
      .default({ initial: 250, max: 30_000 }),
    timeout: duration().default(5000).describe('bound on one request to the supervisor'),
  })
  .superRefine((s, ctx) => {
    if (s.retry.initial < 10)
      ctx.addIssue({
        code: 'custom',
        path: ['retry', 'initial'],
        message: `${s.retry.initial} ms retries in a busy loop: use at least 10ms`,
      });
    if (s.retry.max < s.retry.initial)
      ctx.addIssue({
        code: 'custom',
        path: ['retry', 'max'],
        message: `retry.max (${s.retry.max} ms) is below retry.initial (${s.retry.initial} ms): make it at least as long`,
      });
    if (s.timeout < 100)
      ctx.addIssue({ code: 'custom', path: ['timeout'], message: `${s.timeout} ms is too short for a request: use at least 100ms` });
    if (s.token !== undefined && s.tokenFile !== undefined)
      ctx.addIssue({ code: 'custom', path: ['tokenFile'], message: 'give at most one of token or tokenFile' });
    if ((s.token !== undefined || s.tokenFile !== undefined) && s.socket !== undefined && !URL_RE.test(s.socket))
      ctx.addIssue({
        code: 'custom',
        path: [s.token !== undefined ? 'token' : 'tokenFile'],
        message: 'a token is for the TCP control API: give socket as its http:// URL, or drop the token (the Unix socket needs none)',
      });
    if (s.enabled === false && s.socket !== undefined)
      ctx.addIssue({ code: 'custom', path: ['socket'], message: 'signals are off (enabled: false): drop socket, or turn them on' });
  })
  .default({ queue: 1000, retry: { initial: 250, max: 30_000 }, timeout: 5000 });

export type SignalsConfig = z.output<typeof signalsSchema>;

/** Where the signals go: a socket, a URL (with its token), or the default socket; null: off. */
export interface SignalsTarget {
  socket?: string;
  url?: string;
  token?: string;
  /** For logs and status: what named it ("signals.socket", "HOLDFAST_SOCKET", "the default socket"). */
  from: string;
}

/** The target a config and an environment give; null when signals are off. */
export function signalsTarget(c: SignalsConfig, env: NodeJS.ProcessEnv, baseDir: string): SignalsTarget | null {
  if (c.enabled === false) return null;
  const given = c.socket ?? env.HOLDFAST_SOCKET;
  if (given === undefined || given === '') return c.enabled === true ? { from: 'the default socket' } : null;
  const from = c.socket !== undefined ? 'signals.socket' : 'HOLDFAST_SOCKET';
  if (!URL_RE.test(given)) return { socket: isAbsolute(given) ? given : resolve(baseDir, given), from };
  const token =
    c.token ??
    (c.tokenFile !== undefined ? readSecret(undefined, resolve(baseDir, c.tokenFile), 'signals.tokenFile').toString() : undefined) ??
    (c.socket === undefined ? env.HOLDFAST_TOKEN : undefined);
  return { url: given, ...(token !== undefined ? { token } : {}), from };
}
