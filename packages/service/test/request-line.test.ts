// The fast request line must be exactly what pino writes for the same call, so log pipelines
// see one format whichever path wrote a line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { RequestLineWriter } from '../src/logging/request-line.ts';

const cases: [string, string, string, string, number, number, string | undefined][] = [
  ['req-1', 'GET', '/items/:id', '/items/42?x=1', 200, 1.2345678, '127.0.0.1'],
  ['0c6f…', 'PROPFIND', '__unmatched__', '/we"ird\\path\u0001\u2028é?q=<script>', 404, 0, '::ffff:10.0.0.1'],
  ['x', 'POST', '/', '/', 201, 12.5, undefined],
];

for (const [requestId, method, route, url, statusCode, rt, remote] of cases) {
  test(`request line equals pino's output: ${method} ${url.slice(0, 20)}`, (t) => {
    t.mock.method(Date, 'now', () => 1_795_800_000_123);
    const fromPino: string[] = [];
    const base = { service: 'orders', pid: 4242 };
    const logger = pino({ base }, { write: (s: string) => void fromPino.push(s) });
    logger
      .child({ requestId })
      .info({ method, route, url, statusCode, responseTime: Math.round(rt * 1000) / 1000, remoteAddress: remote ?? null }, 'request');
    const fromWriter: string[] = [];
    new RequestLineWriter({ write: (s) => fromWriter.push(s) }, base).write(requestId, method, route, url, statusCode, rt, remote);
    assert.equal(fromWriter[0], fromPino[0]);
    assert.doesNotThrow(() => JSON.parse(fromWriter[0]!));
  });
}
