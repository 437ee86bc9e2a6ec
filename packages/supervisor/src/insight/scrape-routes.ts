// The metrics store's routes on the control API: GET /v1/explain (the root-cause ranking,
// `holdfast explain`) and GET /v1/scrape (what is read, from where, and the store's memory).
// The path test imports nothing, so a daemon without a `scrape:` section answers them with a
// clear 404 and loads none of the store.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseDuration } from '@holdfast/config/units';
import { sendJson as send } from '../api/json.ts';
import type { DaemonScrape } from './daemon-scrape.ts';

export function isScrapePath(p: string): boolean {
  return p === '/v1/explain' || p === '/v1/scrape';
}

const error = (res: ServerResponse, status: number, code: string, message: string) => send(res, status, { error: { code, message } });

export function serveScrape(scrape: DaemonScrape | undefined, req: IncomingMessage, res: ServerResponse, url: URL): void {
  if (!scrape)
    return error(
      res,
      404,
      'HOLDFAST_E_SCRAPE_OFF',
      "the daemon reads no metrics: add a 'scrape:' section to the config (docs/root-cause.md) and restart the daemon",
    );
  if (req.method !== 'GET') return error(res, 405, 'HOLDFAST_E_BAD_REQUEST', `${url.pathname} answers GET only`);
  if (url.pathname === '/v1/scrape') return send(res, 200, scrape.status());
  const unknown = [...url.searchParams.keys()].filter((k) => k !== 'since');
  if (unknown.length)
    return error(res, 400, 'HOLDFAST_E_BAD_REQUEST', `unknown parameter(s) ${unknown.map((k) => `'${k}'`).join(', ')} (allowed: since)`);
  const raw = url.searchParams.get('since') ?? '10m';
  const ms = /^\d+$/.test(raw) ? undefined : parseDuration(raw);
  if (ms === undefined || ms < 10_000)
    return error(res, 400, 'HOLDFAST_E_BAD_REQUEST', `since: '${raw}' is not a duration of at least 10s (write 10m, 90s, 1h)`);
  send(res, 200, scrape.explain(ms));
}
